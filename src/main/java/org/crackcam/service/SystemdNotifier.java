package org.crackcam.service;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.tinylog.Logger;

/**
 * The sd_notify protocol for {@code Type=notify} units. Java 17 cannot send datagrams on a Unix
 * socket, so every message is sent by a child {@code systemd-notify --pid=<JVM pid> MSG…} process
 * (the unit needs {@code NotifyAccess=all}: the sender is a child, not the main PID). Messages are
 * sent on one background thread, in order; a message never blocks the frame loop.
 *
 * <p>Without {@code NOTIFY_SOCKET} in the environment (not started by systemd) every call is a
 * no-op. {@link #watchdog()} is rate-limited to half of {@code WATCHDOG_USEC} (or 5 s when the
 * unit sets no watchdog), so calling it for every frame is cheap: the watchdog is fed only while
 * frames flow.
 */
public final class SystemdNotifier implements AutoCloseable {

    private final String socket;
    private final String command;
    private final long pid;
    private final long watchdogIntervalNanos;
    private final ExecutorService sender;
    private volatile long lastWatchdogNanos;
    private volatile long lastStatusNanos;
    private volatile String lastStatus = "";

    /** A notifier configured from this process's environment. */
    public static SystemdNotifier fromEnvironment() {
        return new SystemdNotifier(System.getenv(), "systemd-notify");
    }

    /**
     * @param env     the environment ({@code NOTIFY_SOCKET}, {@code WATCHDOG_USEC}, {@code WATCHDOG_PID})
     * @param command the systemd-notify executable
     */
    public SystemdNotifier(Map<String, String> env, String command) {
        this.socket = env.get("NOTIFY_SOCKET");
        this.command = command;
        this.pid = ProcessHandle.current().pid();
        long usec = parse(env.get("WATCHDOG_USEC"));
        long wpid = parse(env.get("WATCHDOG_PID"));
        if (wpid > 0 && wpid != pid) {
            usec = 0; // the watchdog is meant for another process
        }
        this.watchdogIntervalNanos = usec > 0 ? usec * 1000 / 2 : 5_000_000_000L;
        if (socket == null || socket.isEmpty()) {
            this.sender = null;
        } else {
            this.sender = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(64),
                    r -> {
                        Thread t = new Thread(r, "sd-notify");
                        t.setDaemon(true);
                        return t;
                    }, new ThreadPoolExecutor.DiscardPolicy());
        }
    }

    /** True when started by systemd with a notification socket. */
    public boolean enabled() {
        return sender != null;
    }

    /** Interval at which {@link #watchdog()} actually sends. */
    public long watchdogIntervalMillis() {
        return watchdogIntervalNanos / 1_000_000;
    }

    public void ready(String status) {
        send("READY=1", "STATUS=" + status);
    }

    /** Feeds the watchdog; sends at most once per half watchdog interval. */
    public void watchdog() {
        long now = System.nanoTime();
        if (sender == null || now - lastWatchdogNanos < watchdogIntervalNanos && lastWatchdogNanos != 0) {
            return;
        }
        lastWatchdogNanos = now;
        send("WATCHDOG=1");
    }

    /** Free-text status shown by {@code systemctl status}; sent when changed, at most every 5 s. */
    public void status(String status) {
        long now = System.nanoTime();
        if (sender == null || status.equals(lastStatus) || now - lastStatusNanos < 5_000_000_000L) {
            return;
        }
        lastStatusNanos = now;
        lastStatus = status;
        send("STATUS=" + status);
    }

    public void stopping(String status) {
        send("STOPPING=1", "STATUS=" + status);
    }

    private void send(String... assignments) {
        if (sender == null) {
            return;
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(command);
        cmd.add("--pid=" + pid);
        cmd.addAll(List.of(assignments));
        sender.execute(() -> run(cmd));
    }

    private void run(List<String> cmd) {
        try {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            pb.environment().put("NOTIFY_SOCKET", socket);
            Process p = pb.start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                Logger.warn("systemd-notify did not finish within 10 s: {}", String.join(" ", cmd.subList(2, cmd.size())));
            } else if (p.exitValue() != 0) {
                Logger.warn("systemd-notify failed (exit {}): {}", p.exitValue(),
                        String.join(" ", cmd.subList(2, cmd.size())));
            }
        } catch (IOException e) {
            Logger.warn("cannot run {}: {}", command, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits (bounded) for queued messages to be sent, then stops the sender thread. */
    @Override
    public void close() {
        if (sender == null) {
            return;
        }
        sender.shutdown();
        try {
            sender.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static long parse(String s) {
        if (s == null || s.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
