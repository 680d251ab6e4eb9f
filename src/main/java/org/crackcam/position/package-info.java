/**
 * Positions for frames: live fixes from gpsd (JSON protocol, TPV reports) and, for replays,
 * tracks read from sidecar files (GPX, NMEA RMC/GGA with checksums, dashcam SRT subtitles),
 * matched to frame times by interpolation with a maximum gap. Also the distance arithmetic
 * (haversine) used to sample frames every N metres.
 */
package org.crackcam.position;
