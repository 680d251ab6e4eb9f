package org.crackcam.office;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import com.sun.net.httpserver.HttpExchange;
import org.tinylog.Logger;

/**
 * Server-sent events: every browser that opened {@code /api/events} gets an event {@code crack}
 * with the id of each crack that changed. Each client has a bounded queue (256 events); a client
 * that falls that far behind is dropped (its browser reconnects and reloads the list). At most
 * {@value #MAX_CLIENTS} clients; each holds one server thread while connected. Thread-safe.
 */
final class LiveEvents {

    static final int MAX_CLIENTS = 64;
    private static final String HEARTBEAT = ": keep-alive\n\n";

    private final CopyOnWriteArrayList<BlockingQueue<String>> clients = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    /** Queues an event for every client (never blocks). */
    void publish(String event, String data) {
        String msg = "event: " + event + "\ndata: " + data.replace("\n", "\ndata: ") + "\n\n";
        for (BlockingQueue<String> q : clients) {
            if (!q.offer(msg)) {
                clients.remove(q);
                q.clear();
                q.offer("");
            }
        }
    }

    int clientCount() {
        return clients.size();
    }

    void close() {
        closed = true;
        for (BlockingQueue<String> q : clients) {
            q.offer("");
        }
    }

    /** Serves one client until it disconnects or the server closes (on an HTTP server thread). */
    void serve(HttpExchange ex) throws IOException {
        if (clients.size() >= MAX_CLIENTS) {
            ex.sendResponseHeaders(503, -1);
            ex.close();
            return;
        }
        BlockingQueue<String> q = new LinkedBlockingQueue<>(256);
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        ex.sendResponseHeaders(200, 0);
        clients.add(q);
        try (OutputStream out = ex.getResponseBody()) {
            out.write("retry: 2000\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            while (!closed) {
                String m = q.poll(15, TimeUnit.SECONDS);
                if (m != null && m.isEmpty()) {
                    break;
                }
                out.write((m == null ? HEARTBEAT : m).getBytes(StandardCharsets.UTF_8));
                out.flush();
            }
        } catch (IOException gone) {
            Logger.debug("office: event client left ({})", gone.getMessage());
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
        } finally {
            clients.remove(q);
            ex.close();
        }
    }
}
