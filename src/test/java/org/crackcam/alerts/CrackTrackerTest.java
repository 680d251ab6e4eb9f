package org.crackcam.alerts;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

import org.crackcam.pipeline.FrameResult;
import org.crackcam.pipeline.Position;
import org.junit.jupiter.api.Test;

/** Event merging on SYNTHETIC frames (drawn crack masks). */
class CrackTrackerTest {

    final List<CrackEvent> events = new ArrayList<>();

    CrackTracker tracker(TrackerConfig c) {
        return new CrackTracker(c, events::add);
    }

    /** A crack that moves down the frame by {@code speed} px per frame, as seen from a moving car. */
    static byte[] movingCrack(long frame, int x, int y0, int speed) {
        byte[] m = SyntheticFrames.mask();
        SyntheticFrames.crack(m, 42, x, y0 + (int) frame * speed, 10, 90);
        return m;
    }

    @Test
    void crackMovingDownTheFrameIsOneEvent() {
        CrackTracker t = tracker(TrackerConfig.DEFAULTS);
        for (int f = 0; f < 12; f++) {
            t.onFrame(SyntheticFrames.frame("drive.mp4", f, movingCrack(f, 200, 130, 15), 0.8f, Optional.empty()));
        }
        assertEquals(0, events.size(), "event must stay open while the crack is in view");
        t.onEnd();
        assertEquals(1, events.size());
        CrackEvent e = events.get(0);
        assertEquals(0, e.firstFrame());
        assertEquals(11, e.lastFrame());
        assertEquals(12, e.framesMerged());
        assertEquals(CrackEvent.Reason.END, e.closedBy());
    }

    @Test
    void withoutTheVerticalToleranceAFastCrackSplits() {
        TrackerConfig d = TrackerConfig.DEFAULTS;
        TrackerConfig strict = new TrackerConfig(d.maxGapFrames(), d.maxAgeSeconds(), 0.9, 0.0, 0.0,
                d.maxDistanceMetres(), d.overlayMaxWidth(), d.jpegQuality(), d.joinDistance());
        CrackTracker t = tracker(strict);
        for (int f = 0; f < 6; f++) {
            t.onFrame(SyntheticFrames.frame("drive.mp4", f, movingCrack(f, 200, 130, 40), 0.8f, Optional.empty()));
        }
        t.onEnd();
        assertTrue(events.size() > 1, "a 40 px/frame move with no tolerance must not merge: " + events.size());
    }

    @Test
    void eventClosesWhenTheCrackHasLeftTheViewForMoreThanTheGap() {
        CrackTracker t = tracker(TrackerConfig.DEFAULTS);
        int gap = TrackerConfig.DEFAULTS.maxGapFrames();
        for (int f = 0; f < 5; f++) {
            t.onFrame(SyntheticFrames.frame("d", f, movingCrack(f, 200, 130, 10), 0.8f, Optional.empty()));
        }
        for (int f = 5; f <= 4 + gap; f++) {
            t.onFrame(SyntheticFrames.frame("d", f, null, 0f, Optional.empty()));
            assertEquals(0, events.size(), "closed too early at frame " + f);
        }
        t.onFrame(SyntheticFrames.frame("d", 5 + gap, null, 0f, Optional.empty()));
        assertEquals(1, events.size());
        assertEquals(CrackEvent.Reason.LEFT_VIEW, events.get(0).closedBy());
    }

    @Test
    void sameImagePlaceAfterTheGapIsANewCrack() {
        CrackTracker t = tracker(TrackerConfig.DEFAULTS);
        int gap = TrackerConfig.DEFAULTS.maxGapFrames();
        long f = 0;
        for (; f < 3; f++) {
            t.onFrame(SyntheticFrames.frame("d", f, movingCrack(0, 200, 150, 0), 0.8f, Optional.empty()));
        }
        f += gap + 1;
        for (long end = f + 3; f < end; f++) {
            t.onFrame(SyntheticFrames.frame("d", f, movingCrack(0, 200, 150, 0), 0.8f, Optional.empty()));
        }
        t.onEnd();
        assertEquals(2, events.size());
    }

    @Test
    void twoSeparateCracksInOneFrameAreTwoEvents() {
        CrackTracker t = tracker(TrackerConfig.DEFAULTS);
        for (int f = 0; f < 5; f++) {
            byte[] m = SyntheticFrames.mask();
            SyntheticFrames.crack(m, 1, 20, 150 + f * 8, 0, 50);
            SyntheticFrames.crack(m, 2, 500, 150 + f * 8, 80, 50);
            t.onFrame(SyntheticFrames.frame("d", f, m, 0.7f, Optional.empty()));
        }
        t.onEnd();
        assertEquals(2, events.size());
        for (CrackEvent e : events) {
            assertEquals(5, e.framesMerged());
        }
    }

    @Test
    void maxAgeBoundsTheDelayOfAnAlert() {
        TrackerConfig d = TrackerConfig.DEFAULTS;
        CrackTracker t = tracker(new TrackerConfig(d.maxGapFrames(), 1.0, d.minOverlap(), d.verticalTolerance(),
                d.horizontalTolerance(), d.maxDistanceMetres(), d.overlayMaxWidth(), d.jpegQuality(), d.joinDistance()));
        // frames are 100 ms apart: a crack in view for 3 s with max age 1 s is reported 3 times,
        // as revisions 0, 1, 2 of one event (same track, same first frame)
        for (int f = 0; f < 30; f++) {
            t.onFrame(SyntheticFrames.frame("d", f, movingCrack(0, 200, 150, 0), 0.8f, Optional.empty()));
        }
        t.onEnd();
        assertEquals(3, events.size());
        assertEquals(CrackEvent.Reason.MAX_AGE, events.get(0).closedBy());
        assertEquals(9, events.get(0).lastFrame());
        assertEquals(19, events.get(1).lastFrame());
        assertEquals(CrackEvent.Reason.END, events.get(2).closedBy());
        for (int i = 0; i < 3; i++) {
            assertEquals(i, events.get(i).revision());
            assertEquals(0, events.get(i).firstFrame());
            assertEquals(events.get(0).trackId(), events.get(i).trackId());
        }
        assertEquals(30, events.get(2).framesMerged());
    }

    @Test
    void aReportedEventWithNoNewFramesIsNotReportedAgain() {
        TrackerConfig d = TrackerConfig.DEFAULTS;
        CrackTracker t = tracker(new TrackerConfig(d.maxGapFrames(), 1.0, d.minOverlap(), d.verticalTolerance(),
                d.horizontalTolerance(), d.maxDistanceMetres(), d.overlayMaxWidth(), d.jpegQuality(), d.joinDistance()));
        for (int f = 0; f < 10; f++) { // in view 0.0 .. 0.9 s
            t.onFrame(SyntheticFrames.frame("d", f, movingCrack(0, 200, 150, 0), 0.8f, Optional.empty()));
        }
        t.onFrame(SyntheticFrames.frame("d", 10, null, 0f, Optional.empty())); // 1.0 s: reported (max age)
        assertEquals(1, events.size());
        for (int f = 11; f < 40; f++) { // gone: closes by the gap, nothing new to say
            t.onFrame(SyntheticFrames.frame("d", f, null, 0f, Optional.empty()));
        }
        t.onEnd();
        assertEquals(1, events.size(), "no second report without new frames");
        assertEquals(0, t.openTracks());
    }

    @Test
    void groundDistanceSeparatesCracksThatLookAlike() {
        CrackTracker t = tracker(TrackerConfig.DEFAULTS);
        for (int f = 0; f < 6; f++) {
            // 0.0005° of latitude per frame ≈ 55.6 m: the car is elsewhere each frame
            Optional<Position> pos = Optional.of(new Position(48.0 + f * 0.0005, 11.0, 15, 0, 0));
            t.onFrame(SyntheticFrames.frame("d", f, movingCrack(0, 200, 150, 0), 0.8f, pos));
        }
        t.onEnd();
        assertEquals(6, events.size());
        assertEquals(55.6, CrackTracker.metresBetween(new Position(48.0, 11.0, 0, 0, 0),
                new Position(48.0005, 11.0, 0, 0, 0)), 0.1);
    }

    @Test
    void bestFrameIsTheMostProbableAndItsMaskIsCopied() {
        CrackTracker t = tracker(TrackerConfig.DEFAULTS);
        float[] p = {0.55f, 0.6f, 0.7f, 0.95f, 0.8f, 0.6f};
        byte[] best = null;
        FrameResult bestFrame = null;
        byte[] reused = SyntheticFrames.mask();
        for (int f = 0; f < p.length; f++) {
            byte[] m = movingCrack(f, 200, 130, 12);
            System.arraycopy(m, 0, reused, 0, m.length); // the pipeline reuses its mask array
            FrameResult fr = SyntheticFrames.frame("d", f, reused, p[f], Optional.empty());
            t.onFrame(fr);
            if (f == 3) {
                best = m;
                bestFrame = fr;
            }
        }
        Arrays.fill(reused, (byte) 0);
        t.onEnd();
        CrackEvent e = events.get(0);
        assertEquals(3, e.bestFrame());
        assertEquals(0.95f, e.probability());
        // reference: bounding box and crop computed here, independently
        int minX = Integer.MAX_VALUE, minY = Integer.MAX_VALUE, maxX = -1, maxY = -1;
        for (int y = 0; y < SyntheticFrames.H; y++) {
            for (int x = 0; x < SyntheticFrames.W; x++) {
                if (best[y * SyntheticFrames.W + x] != 0) {
                    minX = Math.min(minX, x);
                    maxX = Math.max(maxX, x);
                    minY = Math.min(minY, y);
                    maxY = Math.max(maxY, y);
                }
            }
        }
        assertEquals(new Box(minX, minY, maxX - minX + 1, maxY - minY + 1), e.bbox());
        byte[] crop = new byte[e.bbox().width() * e.bbox().height()];
        for (int y = 0; y < e.bbox().height(); y++) {
            for (int x = 0; x < e.bbox().width(); x++) {
                crop[y * e.bbox().width() + x] = best[(minY + y) * SyntheticFrames.W + minX + x];
            }
        }
        assertArrayEquals(crop, e.mask());
        assertEquals(bestFrame.tiles().stream().filter(tr -> tr.flagged()).count(), e.tiles().size());
        assertEquals(320, e.overlay().getWidth());
        assertEquals(180, e.overlay().getHeight());
    }

    @Test
    void aNewSourceClosesTheOpenEvents() {
        CrackTracker t = tracker(TrackerConfig.DEFAULTS);
        t.onFrame(SyntheticFrames.frame("a.mp4", 0, movingCrack(0, 200, 150, 0), 0.8f, Optional.empty()));
        t.onFrame(SyntheticFrames.frame("b.mp4", 0, movingCrack(0, 200, 150, 0), 0.8f, Optional.empty()));
        assertEquals(1, events.size());
        assertEquals("a.mp4", events.get(0).sourceId());
    }

    /** Issue 16: an alert's overlay paints its own crack only, not the other cracks of the frame. */
    @Test
    void overlayPaintsOnlyTheMaskInsideTheEventsBox() {
        CrackTracker t = tracker(TrackerConfig.DEFAULTS);
        byte[] m = SyntheticFrames.mask();
        SyntheticFrames.crack(m, 42, 60, 300, 10, 90);
        SyntheticFrames.crack(m, 43, 470, 300, 10, 90);
        t.onFrame(SyntheticFrames.frame("d", 0, m, 0.9f, Optional.empty()));
        t.onEnd();
        assertEquals(2, events.size(), "two cracks 400 px apart are two events");
        for (CrackEvent e : events) {
            java.awt.image.BufferedImage o = e.overlay();
            double s = (double) o.getWidth() / SyntheticFrames.W;
            Box b = e.bbox();
            int inside = 0;
            int outside = 0;
            for (int y = 0; y < o.getHeight(); y++) {
                for (int x = 0; x < o.getWidth(); x++) {
                    int rgb = o.getRGB(x, y);
                    int r = (rgb >> 16) & 0xff, g = (rgb >> 8) & 0xff;
                    if (r - g < 40) {
                        continue; // not tinted red (grey asphalt, yellow box)
                    }
                    boolean inBox = x >= Math.floor(b.x() * s) - 1 && x <= Math.ceil(b.right() * s) + 1
                            && y >= Math.floor(b.y() * s) - 1 && y <= Math.ceil(b.bottom() * s) + 1;
                    if (inBox) {
                        inside++;
                    } else {
                        outside++;
                    }
                }
            }
            assertTrue(inside > 20, "the event's own crack is painted: " + inside + " px");
            assertEquals(0, outside, "no crack pixels painted outside the event's box " + b);
        }
    }
}
