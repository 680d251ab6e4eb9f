/**
 * Live frame sources for the in-vehicle service: USB cameras (V4L2) and RTSP cameras through
 * FFmpeg, Jetson CSI cameras through a GStreamer child process writing raw BGR frames to a pipe.
 * Every source runs its capture on its own thread, hands over only the newest frames through a
 * bounded queue (capacity 1–2, drops counted), reopens a lost camera with a capped, jittered
 * back-off and abandons a capture stuck longer than its watchdog limit.
 */
package org.crackcam.capture.live;
