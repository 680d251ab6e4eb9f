package org.crackcam.capture.live;

import java.io.BufferedReader;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.crackcam.capture.VideoFrame;
import org.tinylog.Logger;

/**
 * Raw BGR frames of a known size read from a child process's standard output: a GStreamer
 * pipeline ({@code gst-launch-1.0 -q SOURCE ! videoconvert ! videoscale !
 * video/x-raw,format=BGR,width=W,height=H ! fdsink fd=1}) for Jetson CSI cameras
 * ({@code nvarguscamerasrc}), or any command writing {@code W·H·3}-byte frames back to back.
 * The child's standard error is drained by a daemon thread (debug log; its last line explains
 * an early exit). {@link #abort()} kills the child, which unblocks a read.
 */
public final class GstPipeReader implements FrameReader {

    private final Process process;
    private final DataInputStream in;
    private final int width;
    private final int height;
    private final String name;
    private volatile String lastErrorLine = "";

    private GstPipeReader(Process process, int width, int height, String name) {
        this.process = process;
        this.in = new DataInputStream(process.getInputStream());
        this.width = width;
        this.height = height;
        this.name = name;
        Thread t = new Thread(this::drainStderr, "pipe-stderr");
        t.setDaemon(true);
        t.start();
    }

    /** The gst-launch command line for a source chain (without conversion and sink). */
    public static List<String> gstCommand(String gstLaunch, String sourceChain, int width, int height) {
        List<String> cmd = new ArrayList<>();
        cmd.add(gstLaunch);
        cmd.add("-q"); // nothing but frames on stdout
        cmd.addAll(tokens(sourceChain + " ! videoconvert ! videoscale ! video/x-raw,format=BGR,width=" + width
                + ",height=" + height + " ! fdsink fd=1 sync=false"));
        return cmd;
    }

    /**
     * Splits a pipeline description into gst-launch arguments: whitespace separates, single or
     * double quotes group (and are removed), as a shell would.
     */
    public static List<String> tokens(String s) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean any = false;
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    cur.append(c);
                }
            } else if (c == '"' || c == '\'') {
                quote = c;
                any = true;
            } else if (Character.isWhitespace(c)) {
                if (any || cur.length() > 0) {
                    out.add(cur.toString());
                    cur.setLength(0);
                    any = false;
                }
            } else {
                cur.append(c);
            }
        }
        if (quote != 0) {
            throw new IllegalArgumentException("unbalanced quote in pipeline: " + s);
        }
        if (any || cur.length() > 0) {
            out.add(cur.toString());
        }
        return out;
    }

    /** A factory starting {@code command} anew for every (re)connection (a camera: never ends). */
    public static Factory factory(List<String> command, int width, int height) {
        return factory(command, width, height, false);
    }

    /**
     * @param finite true when the command's end is the normal end of the stream (a recording),
     *               false for a camera (its end is a failure and the command is started again)
     */
    public static Factory factory(List<String> command, int width, int height, boolean finite) {
        if (width <= 0 || height <= 0) {
            throw new IllegalArgumentException("pipe frames need a known size, got " + width + "x" + height);
        }
        List<String> cmd = List.copyOf(command);
        String name = cmd.get(0);
        return new Factory() {
            @Override
            public FrameReader open() throws IOException {
                ProcessBuilder pb = new ProcessBuilder(cmd);
                pb.redirectInput(ProcessBuilder.Redirect.PIPE);
                Process p;
                try {
                    p = pb.start();
                } catch (IOException e) {
                    throw new IOException("cannot start " + name + ": " + e.getMessage(), e);
                }
                p.getOutputStream().close();
                return new GstPipeReader(p, width, height, name);
            }

            @Override
            public String describe() {
                return "pipe " + String.join(" ", cmd);
            }

            @Override
            public boolean finite() {
                return finite;
            }
        };
    }

    @Override
    public boolean read(VideoFrame into) throws IOException {
        into.ensureSize(width, height);
        int n = width * height * 3;
        int got = 0;
        while (got < n) {
            int r = in.read(into.bgr, got, n - got);
            if (r < 0) {
                if (got == 0) {
                    String why = exitReason();
                    if (why.isEmpty()) {
                        return false;
                    }
                    throw new IOException(name + " ended: " + why);
                }
                throw new EOFException(name + " ended in the middle of a frame (" + got + " of " + n
                        + " bytes)" + suffix(exitReason()));
            }
            got += r;
        }
        return true;
    }

    /** Empty when the child exited normally (end of stream); otherwise why it stopped. */
    private String exitReason() {
        try {
            if (process.waitFor(500, TimeUnit.MILLISECONDS)) {
                return process.exitValue() == 0 ? "" : "exit code " + process.exitValue() + suffix(lastErrorLine);
            }
            return "closed its output" + suffix(lastErrorLine);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    private static String suffix(String s) {
        return s.isEmpty() ? "" : " (" + s + ")";
    }

    private void drainStderr() {
        try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (!line.isBlank()) {
                    lastErrorLine = line.strip();
                    Logger.debug("{}: {}", name, line);
                }
            }
        } catch (IOException ignored) {
            // the process is gone
        }
    }

    @Override
    public void abort() {
        process.destroyForcibly();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(2, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            in.close();
        } catch (IOException ignored) {
            // already closed by the process's end
        }
    }
}
