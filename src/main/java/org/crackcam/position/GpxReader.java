package org.crackcam.position;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * GPX 1.0/1.1 tracks: every {@code trkpt} (and {@code rtept}/{@code wpt}) with {@code lat},
 * {@code lon} and a {@code time}; speed and course from GPX 1.0 {@code speed}/{@code course}
 * elements or any extension element of those names. Points without a valid time or position are
 * skipped and counted; a file cut off mid-way (a recorder losing power) keeps the points read
 * before the cut and counts the cut as one skipped item.
 */
public final class GpxReader {

    private GpxReader() {
    }

    public static ParsedTrack read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return read(in);
        }
    }

    public static ParsedTrack read(InputStream in) throws IOException {
        XMLInputFactory f = XMLInputFactory.newFactory();
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        List<Track.Point> points = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        int skipped = 0;
        XMLStreamReader x = null;
        try {
            x = f.createXMLStreamReader(in);
            String lat = null;
            String lon = null;
            String time = null;
            String speed = null;
            String course = null;
            int ptLine = 0;
            StringBuilder text = new StringBuilder();
            while (x.hasNext()) {
                int ev = x.next();
                if (ev == XMLStreamConstants.START_ELEMENT) {
                    String name = x.getLocalName();
                    text.setLength(0);
                    if (isPoint(name)) {
                        lat = x.getAttributeValue(null, "lat");
                        lon = x.getAttributeValue(null, "lon");
                        time = null;
                        speed = null;
                        course = null;
                        ptLine = x.getLocation().getLineNumber();
                    }
                } else if (ev == XMLStreamConstants.CHARACTERS || ev == XMLStreamConstants.CDATA) {
                    text.append(x.getText());
                } else if (ev == XMLStreamConstants.END_ELEMENT) {
                    String name = x.getLocalName();
                    String v = text.toString().strip();
                    switch (name) {
                        case "time" -> time = v;
                        case "speed" -> speed = v;
                        case "course" -> course = v;
                        default -> {
                            if (isPoint(name)) {
                                try {
                                    points.add(point(lat, lon, time, speed, course));
                                } catch (RuntimeException e) {
                                    skipped++;
                                    if (problems.size() < ParsedTrack.MAX_PROBLEMS) {
                                        problems.add("line " + ptLine + ": " + e.getMessage());
                                    }
                                }
                                lat = null;
                                lon = null;
                            }
                        }
                    }
                    text.setLength(0);
                }
            }
        } catch (XMLStreamException e) {
            skipped++;
            int line = e.getLocation() == null ? -1 : e.getLocation().getLineNumber();
            problems.add("line " + line + ": XML ends or breaks here, later points ignored ("
                    + e.getMessage().replace('\n', ' ') + ")");
        } finally {
            if (x != null) {
                try {
                    x.close();
                } catch (XMLStreamException ignored) {
                    // the stream itself is closed by the caller
                }
            }
        }
        return new ParsedTrack(new Track(points, false), skipped, List.copyOf(problems));
    }

    private static boolean isPoint(String name) {
        return name.equals("trkpt") || name.equals("rtept") || name.equals("wpt");
    }

    private static Track.Point point(String lat, String lon, String time, String speed, String course) {
        if (lat == null || lon == null) {
            throw new IllegalArgumentException("point without lat/lon");
        }
        if (time == null || time.isEmpty()) {
            throw new IllegalArgumentException("point without time");
        }
        double la;
        double lo;
        try {
            la = Double.parseDouble(lat);
            lo = Double.parseDouble(lon);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad lat/lon \"" + lat + "\", \"" + lon + "\"");
        }
        if (!(Math.abs(la) <= 90) || !(Math.abs(lo) <= 180)) {
            throw new IllegalArgumentException("lat/lon out of range: " + lat + ", " + lon);
        }
        Instant t;
        try {
            t = Instant.parse(time);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("bad time \"" + time + "\"");
        }
        long us = t.getEpochSecond() * 1_000_000L + t.getNano() / 1000;
        double sp = parseOr(speed);
        double co = parseOr(course);
        return new Track.Point(us, new org.crackcam.pipeline.Position(la, lo, sp, co, us));
    }

    private static double parseOr(String v) {
        if (v == null || v.isEmpty()) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }
}
