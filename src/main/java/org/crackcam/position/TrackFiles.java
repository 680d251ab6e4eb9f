package org.crackcam.position;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

import org.crackcam.pipeline.Position;
import org.tinylog.Logger;

/** Opens a sidecar track by format (or by file extension) and matches it to frame times. */
public final class TrackFiles {

    /** Sidecar formats. */
    public enum Format { GPX, NMEA, SRT }

    private TrackFiles() {
    }

    /** The format named by the file's extension (.gpx, .nmea/.nma/.log/.txt, .srt). */
    public static Format formatOf(Path file) {
        String n = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (n.endsWith(".gpx")) {
            return Format.GPX;
        }
        if (n.endsWith(".srt")) {
            return Format.SRT;
        }
        if (n.endsWith(".nmea") || n.endsWith(".nma") || n.endsWith(".log") || n.endsWith(".txt")) {
            return Format.NMEA;
        }
        throw new IllegalArgumentException(file + ": cannot tell the track format from the extension "
                + "(.gpx, .nmea, .srt); set gps.format");
    }

    public static ParsedTrack read(Path file, Format format) throws IOException {
        try {
            return switch (format) {
                case GPX -> GpxReader.read(file);
                case NMEA -> NmeaReader.read(file);
                case SRT -> SrtReader.read(file);
            };
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file + ": track file not found");
        }
    }

    /**
     * A position source over a track. Frames are matched by their presentation time: SRT tracks
     * directly, absolute tracks (GPX, NMEA) from {@code startMicros} (UTC of the video's first frame;
     * the first fix's time when absent).
     */
    public static PositionSource source(ParsedTrack parsed, Optional<Long> startMicros, double maxGapS) {
        Track track = parsed.track();
        long offset = track.relative() ? 0 : startMicros.orElse(track.firstMicros());
        long gap = Math.round(maxGapS * 1e6);
        if (parsed.skipped() > 0) {
            Logger.warn("track: {} fixes read, {} items skipped (first: {})", track.size(),
                    parsed.skipped(), parsed.problems().get(0));
        }
        return new PositionSource() {
            @Override
            public Optional<Position> at(long frameTimestampMicros, long wallTimeMicros) {
                return track.at(offset + frameTimestampMicros, gap);
            }
        };
    }

}
