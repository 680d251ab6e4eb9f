package org.crackcam.position;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.crackcam.pipeline.Position;

/**
 * Dashcam and drone SRT subtitle sidecars: one block per interval,
 * {@code index / "HH:MM:SS,mmm --> HH:MM:SS,mmm" / text lines}. The track's axis is the block's
 * start time (relative to the video, so no clock alignment is needed). Recognised text styles:
 * <ul>
 * <li>DJI (recent): {@code [latitude: 22.543210] [longitude: 113.951234]}</li>
 * <li>DJI (older): {@code GPS(113.9512,22.5432,15)} — longitude first</li>
 * <li>dashcams (Viofo-like): {@code N:22.543210 E:113.951234 45 km/h} (also S/W, mph)</li>
 * </ul>
 * A date-time {@code 2023-05-01 10:20:30[.123]} or {@code 2023/05/01 10:20:30} in the block sets
 * the fix time (read as UTC); otherwise the fix time is the relative time. Blocks with a broken
 * timing line, no coordinates, or (0, 0) are skipped and counted.
 */
public final class SrtReader {

    private static final Pattern TIMING = Pattern.compile(
            "(\\d{1,2}):(\\d{2}):(\\d{2})[,.](\\d{1,3})\\s*-->\\s*(\\d{1,2}):(\\d{2}):(\\d{2})[,.](\\d{1,3})");
    private static final String NUM = "([-+]?\\d+(?:\\.\\d+)?)";
    private static final Pattern DJI_LAT = Pattern.compile("latitude\\s*:\\s*" + NUM);
    private static final Pattern DJI_LON = Pattern.compile("longi?tude\\s*:\\s*" + NUM);
    private static final Pattern DJI_GPS = Pattern.compile("GPS\\s*\\(\\s*" + NUM + "\\s*,\\s*" + NUM);
    private static final Pattern DASH = Pattern.compile("([NS])\\s*:?\\s*(\\d+(?:\\.\\d+)?)\\s*,?\\s*([EW])\\s*:?\\s*(\\d+(?:\\.\\d+)?)");
    private static final Pattern SPEED = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(km/h|kmh|mph|m/s)", Pattern.CASE_INSENSITIVE);
    private static final Pattern DATE = Pattern.compile(
            "(\\d{4})[-/.](\\d{2})[-/.](\\d{2})[ T]+(\\d{2}):(\\d{2}):(\\d{2})(?:[.,](\\d{1,6}))?");

    private SrtReader() {
    }

    public static ParsedTrack read(Path file) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(r);
        }
    }

    public static ParsedTrack read(BufferedReader r) throws IOException {
        List<Track.Point> points = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int[] skipped = {0};
        List<String> block = new ArrayList<>();
        int blockLine = 1;
        int n = 0;
        String line;
        while ((line = r.readLine()) != null) {
            n++;
            if (n == 1 && !line.isEmpty() && line.charAt(0) == '\uFEFF') {
                line = line.substring(1);
            }
            if (line.isBlank()) {
                if (!block.isEmpty()) {
                    parseBlock(block, blockLine, points, problems, skipped);
                    block.clear();
                }
                continue;
            }
            if (block.isEmpty()) {
                blockLine = n;
            }
            block.add(line.strip());
        }
        if (!block.isEmpty()) {
            parseBlock(block, blockLine, points, problems, skipped);
        }
        return new ParsedTrack(new Track(points, true), skipped[0], List.copyOf(problems));
    }

    private static void parseBlock(List<String> block, int line, List<Track.Point> points,
                                   List<String> problems, int[] skipped) {
        try {
            int ti = -1;
            Matcher tm = null;
            for (int i = 0; i < Math.min(2, block.size()); i++) {
                Matcher m = TIMING.matcher(block.get(i));
                if (m.find()) {
                    ti = i;
                    tm = m;
                    break;
                }
            }
            if (tm == null) {
                throw new IllegalArgumentException("no timing line \"HH:MM:SS,mmm --> HH:MM:SS,mmm\"");
            }
            long rel = ((Long.parseLong(tm.group(1)) * 60 + Long.parseLong(tm.group(2))) * 60
                    + Long.parseLong(tm.group(3))) * 1_000_000L + millis(tm.group(4)) * 1000L;
            String text = String.join(" ", block.subList(ti + 1, block.size()))
                    .replaceAll("<[^>]*>", " ");
            double lat;
            double lon;
            Matcher a = DJI_LAT.matcher(text);
            Matcher b = DJI_LON.matcher(text);
            Matcher g = DJI_GPS.matcher(text);
            Matcher d = DASH.matcher(text);
            if (a.find() && b.find()) {
                lat = Double.parseDouble(a.group(1));
                lon = Double.parseDouble(b.group(1));
            } else if (g.find()) {
                lon = Double.parseDouble(g.group(1));
                lat = Double.parseDouble(g.group(2));
            } else if (d.find()) {
                lat = Double.parseDouble(d.group(2)) * (d.group(1).equals("S") ? -1 : 1);
                lon = Double.parseDouble(d.group(4)) * (d.group(3).equals("W") ? -1 : 1);
            } else {
                throw new IllegalArgumentException("no coordinates");
            }
            if (Math.abs(lat) > 90 || Math.abs(lon) > 180) {
                throw new IllegalArgumentException("coordinates out of range: " + lat + ", " + lon);
            }
            if (lat == 0 && lon == 0) {
                throw new IllegalArgumentException("no fix (0, 0)");
            }
            double speed = Double.NaN;
            Matcher s = SPEED.matcher(text);
            if (s.find()) {
                double v = Double.parseDouble(s.group(1));
                String unit = s.group(2).toLowerCase();
                speed = unit.startsWith("km") ? v / 3.6 : unit.equals("mph") ? v * 0.44704 : v;
            }
            long fixTime = rel;
            Matcher dt = DATE.matcher(text);
            if (dt.find()) {
                String frac = dt.group(7) == null ? "0" : dt.group(7);
                int nanos = Integer.parseInt((frac + "000000000").substring(0, 9));
                var when = LocalDateTime.of(Integer.parseInt(dt.group(1)), Integer.parseInt(dt.group(2)),
                        Integer.parseInt(dt.group(3)), Integer.parseInt(dt.group(4)),
                        Integer.parseInt(dt.group(5)), Integer.parseInt(dt.group(6)), nanos)
                        .toInstant(ZoneOffset.UTC);
                fixTime = when.getEpochSecond() * 1_000_000L + when.getNano() / 1000;
            }
            points.add(new Track.Point(rel, new Position(lat, lon, speed, Double.NaN, fixTime)));
        } catch (RuntimeException e) {
            skipped[0]++;
            if (problems.size() < ParsedTrack.MAX_PROBLEMS) {
                problems.add("line " + line + ": " + e.getMessage());
            }
        }
    }

    private static long millis(String digits) {
        return Long.parseLong((digits + "00").substring(0, 3));
    }
}
