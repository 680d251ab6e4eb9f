package org.crackcam.capture;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Real video files for tests, written by the ffmpeg command-line tool (Debian package ffmpeg). */
public final class TestVideos {

    private TestVideos() {
    }

    /** Runs {@code ffmpeg -v error -y ARGS… out} and returns {@code out}. */
    public static Path ffmpeg(Path out, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("ffmpeg", "-v", "error", "-y"));
        cmd.addAll(List.of(args));
        cmd.add(out.toString());
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException("ffmpeg failed: " + log);
        }
        return out;
    }

    /** 2 s, 15 fps, 320×240 of one colour (RGB hex), H.264 in MP4 with the index up front. */
    public static Path solidH264(Path out, String rgbHex) throws IOException, InterruptedException {
        return ffmpeg(out, "-f", "lavfi", "-i", "color=c=0x" + rgbHex + ":size=320x240:rate=15", "-t", "2",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "-movflags", "+faststart");
    }

    /** 4 s, 15 fps, 640×360 noisy test pattern (large frames), H.264 MP4 with the index up front. */
    public static Path noisyH264(Path out) throws IOException, InterruptedException {
        return ffmpeg(out, "-f", "lavfi", "-i", "testsrc=size=640x360:rate=15", "-t", "4",
                "-vf", "noise=alls=40:allf=t", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-g", "15",
                "-movflags", "+faststart");
    }

    /** Keeps the first {@code fraction} of a file's bytes. */
    public static Path truncate(Path in, Path out, double fraction) throws IOException {
        byte[] b = Files.readAllBytes(in);
        Files.write(out, java.util.Arrays.copyOf(b, (int) (b.length * fraction)));
        return out;
    }

    /**
     * Overwrites {@code length} bytes from the middle of a file with a fixed pseudo-random pattern
     * (seeded): the container's index stays intact, the coded frames there are garbage.
     */
    public static Path corruptMiddle(Path in, Path out, int length) throws IOException {
        byte[] b = Files.readAllBytes(in);
        java.util.Random r = new java.util.Random(14);
        int start = b.length / 2;
        for (int i = start; i < Math.min(b.length, start + length); i++) {
            b[i] = (byte) r.nextInt(256);
        }
        Files.write(out, b);
        return out;
    }
}
