"""Test-only sd_notify receiver: binds a Unix datagram socket and appends every message
(one line per datagram, fields separated by '|') to an output file. File descriptors passed
along (systemd-notify's barrier) are closed at once, as the service manager does.

    /usr/bin/python3 notify_listener.py SOCKET_PATH OUT_FILE
"""
import array
import os
import socket
import sys


def main() -> None:
    path, out = sys.argv[1], sys.argv[2]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.bind(path)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
    print("READY", flush=True)
    fd_size = array.array("i").itemsize
    while True:
        data, anc, _flags, _addr = s.recvmsg(65536, socket.CMSG_SPACE(16 * fd_size) + 64)
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds = array.array("i")
                fds.frombytes(payload[: len(payload) - (len(payload) % fd_size)])
                for fd in fds:
                    os.close(fd)
        with open(out, "a", encoding="utf-8") as f:
            f.write(data.decode("utf-8", "replace").replace("\n", "|") + "\n")


if __name__ == "__main__":
    main()
