package org.crackcam.position;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.crackcam.pipeline.Position;

/**
 * NMEA 0183 logs: {@code $--RMC} (time, date, status, position, speed in knots, course) and
 * {@code $--GGA} (time, position, fix quality; dated from the last RMC). A sentence must carry a
 * valid {@code *hh} checksum (XOR of the characters between {@code $} and {@code *}); other
 * sentence types are ignored, malformed or unchecked ones are skipped and counted.
 */
public final class NmeaReader {

    private static final double KNOT_MPS = 1852.0 / 3600.0;

    private NmeaReader() {
    }

    public static ParsedTrack read(Path file) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
            return read(r);
        }
    }

    public static ParsedTrack read(BufferedReader r) throws IOException {
        List<Track.Point> points = new ArrayList<>();
        Set<Long> seen = new HashSet<>();
        List<String> problems = new ArrayList<>();
        int skipped = 0;
        LocalDate date = null;
        String line;
        int n = 0;
        while ((line = r.readLine()) != null) {
            n++;
            line = line.strip();
            if (line.isEmpty()) {
                continue;
            }
            String why;
            try {
                why = null;
                String body = checkedBody(line);
                String[] f = body.split(",", -1);
                String type = f[0].length() >= 5 ? f[0].substring(f[0].length() - 3) : "";
                if (type.equals("RMC")) {
                    if (f.length < 10) {
                        throw new IllegalArgumentException("RMC with " + f.length + " fields");
                    }
                    if (!f[9].isEmpty()) {
                        date = parseDate(f[9]);
                    }
                    if (!"A".equals(f[2])) {
                        continue; // receiver says: no valid fix (not malformed)
                    }
                    if (date == null) {
                        throw new IllegalArgumentException("RMC without a date");
                    }
                    long t = micros(date, parseTime(f[1]));
                    double speed = f[7].isEmpty() ? Double.NaN : Double.parseDouble(f[7]) * KNOT_MPS;
                    double course = f[8].isEmpty() ? Double.NaN : Double.parseDouble(f[8]);
                    Position p = new Position(coord(f[3], f[4], 'N', 'S', 90),
                            coord(f[5], f[6], 'E', 'W', 180), speed, course, t);
                    if (seen.add(t)) {
                        points.add(new Track.Point(t, p));
                    } else {
                        replace(points, t, p);
                    }
                } else if (type.equals("GGA")) {
                    if (f.length < 7) {
                        throw new IllegalArgumentException("GGA with " + f.length + " fields");
                    }
                    if (f[6].isEmpty() || f[6].equals("0")) {
                        continue; // no fix
                    }
                    if (date == null) {
                        continue; // undated GGA before the first RMC: cannot place it in time
                    }
                    long t = micros(date, parseTime(f[1]));
                    if (seen.add(t)) {
                        points.add(new Track.Point(t, new Position(coord(f[2], f[3], 'N', 'S', 90),
                                coord(f[4], f[5], 'E', 'W', 180), Double.NaN, Double.NaN, t)));
                    }
                }
            } catch (RuntimeException e) {
                why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                skipped++;
                if (problems.size() < ParsedTrack.MAX_PROBLEMS) {
                    problems.add("line " + n + ": " + why);
                }
            }
        }
        return new ParsedTrack(new Track(points, false), skipped, List.copyOf(problems));
    }

    /** An RMC at the time of an earlier GGA carries speed and course: it wins. */
    private static void replace(List<Track.Point> points, long t, Position p) {
        for (int i = points.size() - 1; i >= 0; i--) {
            if (points.get(i).axisMicros() == t) {
                if (Double.isNaN(points.get(i).position().speedMps())) {
                    points.set(i, new Track.Point(t, p));
                }
                return;
            }
        }
    }

    /** The sentence between '$' and '*' after verifying its checksum. */
    static String checkedBody(String line) {
        int start = line.indexOf('$');
        int star = line.lastIndexOf('*');
        if (start < 0 || star < start || star + 3 > line.length()) {
            throw new IllegalArgumentException("not an NMEA sentence with a checksum");
        }
        String body = line.substring(start + 1, star);
        int sum = 0;
        for (int i = 0; i < body.length(); i++) {
            sum ^= body.charAt(i);
        }
        int given;
        try {
            given = Integer.parseInt(line.substring(star + 1, star + 3), 16);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad checksum digits");
        }
        if (given != sum) {
            throw new IllegalArgumentException(String.format("checksum mismatch: given %02X, computed %02X",
                    given, sum));
        }
        return body;
    }

    /** ddmm.mmmm / dddmm.mmmm with a hemisphere letter to signed degrees. */
    static double coord(String v, String hemi, char pos, char neg, double limit) {
        if (v.isEmpty() || hemi.length() != 1) {
            throw new IllegalArgumentException("missing coordinate");
        }
        int dot = v.indexOf('.');
        int degDigits = (dot < 0 ? v.length() : dot) - 2;
        if (degDigits < 1) {
            throw new IllegalArgumentException("bad coordinate " + v);
        }
        double deg = Integer.parseInt(v.substring(0, degDigits));
        double min = Double.parseDouble(v.substring(degDigits));
        if (min >= 60) {
            throw new IllegalArgumentException("bad minutes in " + v);
        }
        double d = deg + min / 60.0;
        char h = hemi.charAt(0);
        if (h == neg) {
            d = -d;
        } else if (h != pos) {
            throw new IllegalArgumentException("bad hemisphere " + hemi);
        }
        if (Math.abs(d) > limit) {
            throw new IllegalArgumentException("coordinate out of range: " + v);
        }
        return d;
    }

    private static LocalTime parseTime(String hhmmss) {
        if (hhmmss.length() < 6) {
            throw new IllegalArgumentException("bad time " + hhmmss);
        }
        int h = Integer.parseInt(hhmmss.substring(0, 2));
        int m = Integer.parseInt(hhmmss.substring(2, 4));
        double s = Double.parseDouble(hhmmss.substring(4));
        return LocalTime.of(h, m, (int) s, (int) Math.round((s - Math.floor(s)) * 1e9) % 1_000_000_000);
    }

    private static LocalDate parseDate(String ddmmyy) {
        if (ddmmyy.length() != 6) {
            throw new IllegalArgumentException("bad date " + ddmmyy);
        }
        int yy = Integer.parseInt(ddmmyy.substring(4, 6));
        return LocalDate.of(yy < 80 ? 2000 + yy : 1900 + yy, Integer.parseInt(ddmmyy.substring(2, 4)),
                Integer.parseInt(ddmmyy.substring(0, 2)));
    }

    private static long micros(LocalDate d, LocalTime t) {
        var i = d.atTime(t).toInstant(ZoneOffset.UTC);
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
    }
}
