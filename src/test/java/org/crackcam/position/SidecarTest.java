package org.crackcam.position;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

import org.crackcam.pipeline.Position;
import org.junit.jupiter.api.Test;

/** Sidecar readers on synthetic tracks, with malformed input skipped and counted. */
class SidecarTest {

    /** Builds a sentence with its checksum (independent of the reader's own code). */
    static String nmea(String body) {
        int x = 0;
        for (byte b : body.getBytes(StandardCharsets.US_ASCII)) {
            x ^= b;
        }
        return "$" + body + "*" + String.format("%02X", x);
    }

    private static long micros(String iso) {
        Instant i = Instant.parse(iso);
        return i.getEpochSecond() * 1_000_000L + i.getNano() / 1000;
    }

    @Test
    void nmeaReadsRmcAndGgaVerifiesChecksumsAndCountsGarbage() throws Exception {
        String log = String.join("\r\n",
                nmea("GPRMC,083000.00,A,4807.0380,N,01131.0000,E,010.0,090.0,010526,,,A"),
                nmea("GPGGA,083000.00,4807.0380,N,01131.0000,E,1,08,0.9,545.4,M,46.9,M,,"),
                "$GPRMC,083001.00,A,4807.0390,N,01131.0100,E,010.0,090.0,010526,,,A*00", // bad checksum
                "garbage line",
                nmea("GPRMC,083002.00,A,4807.0400,N,01131.0200,E,012.0,092.0,010526,,,A"),
                nmea("GPRMC,083003.00,V,,,,,,,010526,,,N"), // no fix: ignored, not an error
                nmea("GPRMC,083004.00,A,48XX.0400,N,01131.0200,E,012.0,092.0,010526,,,A"), // bad number
                nmea("GPGGA,083005.00,4807.0500,S,01131.0300,W,1,08,0.9,545.4,M,46.9,M,,"),
                nmea("GPGSV,3,1,11,03,03,111,00,04,15,270,00,06,01,010,00,13,06,292,00"),
                "$GPRMC,0830"); // truncated
        ParsedTrack t = NmeaReader.read(new BufferedReader(new StringReader(log)));
        assertEquals(3, t.track().size());
        assertEquals(4, t.skipped(), t.problems().toString());
        assertTrue(t.problems().get(0).startsWith("line 3: checksum mismatch"), t.problems().get(0));
        Position p0 = t.track().fix(0);
        assertEquals(48 + 7.038 / 60, p0.latitude(), 1e-9);
        assertEquals(11 + 31.0 / 60, p0.longitude(), 1e-9);
        assertEquals(10 * 1852.0 / 3600, p0.speedMps(), 1e-9, "knots to m/s");
        assertEquals(90.0, p0.headingDeg());
        assertEquals(micros("2026-05-01T08:30:00Z"), p0.fixTimeMicros());
        Position gga = t.track().fix(2);
        assertEquals(-(48 + 7.05 / 60), gga.latitude(), 1e-9, "S is negative");
        assertEquals(-(11 + 31.03 / 60), gga.longitude(), 1e-9, "W is negative");
        assertTrue(Double.isNaN(gga.speedMps()));
    }

    @Test
    void gpxKeepsGoodPointsSkipsBadOnesAndSurvivesTruncation() throws Exception {
        String gpx = """
                <?xml version="1.0" encoding="UTF-8"?>
                <gpx version="1.1" creator="synthetic" xmlns="http://www.topografix.com/GPX/1/1">
                  <metadata><time>2026-05-01T08:00:00Z</time></metadata>
                  <trk><trkseg>
                    <trkpt lat="52.5200" lon="13.4050"><time>2026-05-01T08:30:00Z</time><speed>8.5</speed></trkpt>
                    <trkpt lat="52.5201" lon="13.4052"><time>2026-05-01T08:30:01.500Z</time></trkpt>
                    <trkpt lat="95.0" lon="13.4"><time>2026-05-01T08:30:02Z</time></trkpt>
                    <trkpt lat="52.5202" lon="13.4054"></trkpt>
                    <trkpt lat="abc" lon="13.4054"><time>2026-05-01T08:30:03Z</time></trkpt>
                    <trkpt lat="52.5203" lon="13.4056"><time>not a time</time></trkpt>
                    <trkpt lat="52.5204" lon="13.4058"><time>2026-05-01T08:30:05Z</time></trkpt>
                    <trkpt lat="52.52""";
        ParsedTrack t = GpxReader.read(new ByteArrayInputStream(gpx.getBytes(StandardCharsets.UTF_8)));
        assertEquals(3, t.track().size());
        assertEquals(5, t.skipped(), t.problems().toString());
        assertTrue(t.problems().get(t.problems().size() - 1).contains("XML ends or breaks"));
        assertEquals(8.5, t.track().fix(0).speedMps());
        assertEquals(micros("2026-05-01T08:30:01.500Z"), t.track().fix(1).fixTimeMicros());
    }

    @Test
    void srtReadsDjiDashcamAndOldDjiStylesOnTheVideoAxis() throws Exception {
        String srt = """
                1
                00:00:00,000 --> 00:00:00,033
                <font size="28">FrameCnt: 1, DiffTime: 33ms
                2026-05-01 08:30:00.000
                [iso: 100] [shutter: 1/1000.0] [latitude: 22.543210] [longitude: 113.951234] [rel_alt: 10.000 abs_alt: 50.000] </font>

                2
                00:00:01,000 --> 00:00:02,000
                2026/05/01 08:30:01 N:22.543310 E:113.951334 36 km/h

                3
                00:00:02,000 --> 00:00:03,000
                HOME(113.9512,22.5432) 2026.05.01 08:30:02
                GPS(113.951434,22.543410,15) BAROMETER:10.5

                4
                00:00:03 --> broken
                N:22.5 E:113.9

                5
                00:00:04,000 --> 00:00:05,000
                no position in this block

                6
                00:00:05,000 --> 00:00:06,000
                2026/05/01 08:30:05 N:0.000000 E:0.000000 0 km/h

                7
                00:00:06,500 --> 00:00:07,000
                S:33.5 W:70.6 10 mph
                """;
        ParsedTrack t = SrtReader.read(new BufferedReader(new StringReader(srt)));
        assertEquals(4, t.track().size());
        assertEquals(3, t.skipped(), t.problems().toString());
        assertTrue(t.track().relative());
        Track tr = t.track();
        assertEquals(22.543210, tr.fix(0).latitude(), 1e-9);
        assertEquals(micros("2026-05-01T08:30:00Z"), tr.fix(0).fixTimeMicros());
        assertEquals(10.0, tr.fix(1).speedMps(), 1e-9, "36 km/h");
        assertEquals(22.543410, tr.fix(2).latitude(), 1e-9, "GPS(lon, lat, alt)");
        assertEquals(113.951434, tr.fix(2).longitude(), 1e-9);
        assertEquals(-33.5, tr.fix(3).latitude());
        assertEquals(-70.6, tr.fix(3).longitude());
        assertEquals(10 * 0.44704, tr.fix(3).speedMps(), 1e-9);
        // video-relative matching: 1.5 s lies between the 1 s and 2 s blocks
        PositionSource src = TrackFiles.source(t, Optional.empty(), 2.0);
        Position mid = src.at(1_500_000, 0).orElseThrow();
        assertEquals((22.543310 + 22.543410) / 2, mid.latitude(), 1e-9);
    }

    @Test
    void trackInterpolatesWithinTheGapAndNeverBeyond() {
        Position a = new Position(50.0, 8.0, 10.0, 350.0, 0);
        Position b = new Position(50.001, 8.002, 20.0, 10.0, 1_000_000);
        Position c = new Position(50.01, 8.01, 20.0, 10.0, 10_000_000);
        Track t = new Track(List.of(new Track.Point(1_000_000, b), new Track.Point(0, a),
                new Track.Point(10_000_000, c)), false);
        long gap = 2_000_000;
        Position q = t.at(250_000, gap).orElseThrow();
        assertEquals(50.00025, q.latitude(), 1e-12);
        assertEquals(8.0005, q.longitude(), 1e-12);
        assertEquals(12.5, q.speedMps(), 1e-12);
        assertEquals(355.0, q.headingDeg(), 1e-9, "350° → 10° goes through north");
        assertEquals(250_000, q.fixTimeMicros());
        assertEquals(b, t.at(1_000_000, gap).orElseThrow(), "exact fix");
        assertEquals(b, t.at(1_900_000, gap).orElseThrow(), "held within half the gap");
        assertFalse(t.at(5_000_000, gap).isPresent(), "9 s between fixes is beyond the gap");
        assertFalse(t.at(-1_500_000, gap).isPresent(), "no extrapolation before the track");
        assertEquals(c, t.at(10_900_000, gap).orElseThrow());
        assertFalse(t.at(11_100_000, gap).isPresent());
    }

    @Test
    void absoluteTracksAlignToTheVideoStart() {
        long t0 = micros("2026-05-01T08:30:00Z");
        Track t = new Track(List.of(new Track.Point(t0, new Position(1, 1, 0, 0, t0)),
                new Track.Point(t0 + 2_000_000, new Position(3, 3, 0, 0, t0 + 2_000_000))), false);
        ParsedTrack p = new ParsedTrack(t, 0, List.of());
        assertEquals(2.0, TrackFiles.source(p, Optional.empty(), 5).at(1_000_000, 0).orElseThrow().latitude(), 1e-12);
        assertEquals(3.0, TrackFiles.source(p, Optional.of(t0 + 1_000_000), 5).at(1_000_000, 0).orElseThrow()
                .latitude(), 1e-12);
    }

    @Test
    void haversineMatchesClosedForms() {
        double r = Geo.EARTH_RADIUS_M;
        assertEquals(r * Math.PI / 2, Geo.distanceMetres(0, 0, 0, 90), 1e-6);
        assertEquals(r * Math.PI / 180, Geo.distanceMetres(10, 20, 11, 20), 1e-6, "1° of latitude");
        assertEquals(2 * r * Math.asin(Math.cos(Math.toRadians(60)) * Math.sin(Math.toRadians(0.5))),
                Geo.distanceMetres(60, 5, 60, 6), 1e-6, "1° of longitude at 60°N, great circle");
        assertEquals(0.0, Geo.distanceMetres(45, 7, 45, 7));
    }

    @Test
    void distanceGatePassesEveryNMetresAlongThePath() {
        DistanceGate g = new DistanceGate(5.0);
        double step = 1.0 / (Geo.EARTH_RADIUS_M * Math.PI / 180); // 1 m of latitude in degrees
        int passed = 0;
        for (int i = 0; i <= 100; i++) {
            if (g.pass(new Position(45 + i * step, 7, Double.NaN, Double.NaN, i))) {
                passed++;
            }
        }
        assertEquals(1 + 20, passed, "first fix, then every 5 m over 100 m");
    }
}
