"""Test-only RTSP server on loopback (GStreamer's gst-rtsp-server through PyGObject).

Serves an H.264 MP4 file at rtsp://127.0.0.1:PORT/live; every client gets its own pipeline
from the start of the file. Prints "READY" once listening. Used by the Java live-source tests:
the test kills this process and starts it again to check that the client reconnects.

    /usr/bin/python3 rtsp_server.py PORT FILE.mp4
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main() -> None:
    port, path = sys.argv[1], sys.argv[2]
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(
        f'( filesrc location="{path}" ! qtdemux ! h264parse ! '
        "rtph264pay name=pay0 pt=96 config-interval=1 )"
    )
    factory.set_shared(False)
    server.get_mount_points().add_factory("/live", factory)
    if server.attach(None) == 0:
        print("cannot listen on port " + port, flush=True)
        sys.exit(1)
    print("READY", flush=True)
    GLib.MainLoop().run()


if __name__ == "__main__":
    main()
