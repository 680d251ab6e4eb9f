package org.crackcam.service;

import java.nio.file.Files;
import java.nio.file.Path;

import org.crackcam.capture.UnreadableInputException;
import org.crackcam.capture.live.FfmpegReader;
import org.crackcam.capture.live.FrameReader;
import org.crackcam.capture.live.GstPipeReader;
import org.crackcam.capture.live.LiveSource;
import org.crackcam.service.ServiceConfig.Camera;

/** Builds the configured camera source. */
final class Sources {

    private Sources() {
    }

    /** The source for {@code camera}; a missing replay file is an INPUT error, a missing camera is not. */
    static LiveSource open(String deviceId, Camera c) {
        FrameReader.Factory f = switch (c.kind()) {
            case FILE -> {
                Path p = Path.of(c.url());
                if (!Files.isRegularFile(p)) {
                    throw new UnreadableInputException("camera.url " + p + ": file not found");
                }
                yield FfmpegReader.factory(new FfmpegReader.Spec(FfmpegReader.Kind.FILE, c.url(), c.width(),
                        c.height(), 0, "", c.reconnect().ioTimeoutS(), c.realtime()));
            }
            case RTSP -> FfmpegReader.factory(new FfmpegReader.Spec(FfmpegReader.Kind.RTSP, c.url(), c.width(),
                    c.height(), 0, "", c.reconnect().ioTimeoutS(), false));
            case V4L2 -> FfmpegReader.factory(new FfmpegReader.Spec(FfmpegReader.Kind.V4L2, c.device(), c.width(),
                    c.height(), c.fps(), c.pixelFormat(), c.reconnect().ioTimeoutS(), false));
            case GSTREAMER -> GstPipeReader.factory(GstPipeReader.gstCommand("gst-launch-1.0", c.pipeline(),
                    c.width(), c.height()), c.width(), c.height());
        };
        boolean replay = c.kind() == ServiceConfig.CameraKind.FILE;
        var r = c.reconnect();
        var options = new LiveSource.Options(r.initialMs(), r.maxMs(), r.jitter(), r.watchdogS(), r.maxAttempts(),
                c.queue(), !replay || c.realtime(), c.loop());
        String id = switch (c.kind()) {
            case FILE -> Path.of(c.url()).getFileName().toString();
            case V4L2 -> Path.of(c.device()).getFileName().toString();
            default -> deviceId + "-" + c.kind().name().toLowerCase();
        };
        return new LiveSource(id, f, options);
    }
}
