/**
 * Frame sources: the {@link org.crackcam.capture.FrameSource} interface, video files through
 * JavaCV/FFmpeg ({@link org.crackcam.capture.FileFrameSource}), frame selection (every k-th
 * frame or a target rate) and the reused BGR {@link org.crackcam.capture.VideoFrame}.
 */
package org.crackcam.capture;
