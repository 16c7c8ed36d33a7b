package dev.moat.server.safety;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.core.CheckRequest;
import dev.moat.core.Decision;
import dev.moat.core.MoatListener;
import dev.moat.core.ban.Ban;
import dev.moat.server.config.MaskedUrl;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/*
 * How it works and why.
 *
 * Kick, ban and report events are POSTed as JSON to one configured URL, as BareRTC posts its
 * reports. A decision never waits for this: listeners only offer the event to a bounded queue
 * (when it is full the event is dropped and counted), and one daemon thread delivers, retrying
 * failures with exponential backoff (250 ms, 500 ms, 1 s, ...) up to maxAttempts. Every attempt
 * has a timeout. Report events carry the message text (that is their point: a moderator reads
 * them); kick and ban events do not.
 */

/** Delivers kick, ban and report events to a webhook. */
public final class WebhookReporter implements MoatListener, AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int QUEUE_CAPACITY = 10_000;

    private final HttpClient http;
    private final URI url;
    private final Duration timeout;
    private final int maxAttempts;
    private final long firstBackoffMillis;
    private final BlockingQueue<String> queue = new ArrayBlockingQueue<>(QUEUE_CAPACITY);
    private final Thread worker;
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean closed;

    public WebhookReporter(String url, long timeoutMillis, int maxAttempts) {
        this(url, timeoutMillis, maxAttempts, 250);
    }

    WebhookReporter(String url, long timeoutMillis, int maxAttempts, long firstBackoffMillis) {
        this.url = parse(url);
        if (!"http".equals(this.url.getScheme()) && !"https".equals(this.url.getScheme())) {
            throw new IllegalArgumentException("webhook.url must be http or https, was '" + MaskedUrl.mask(url) + "'");
        }
        this.timeout = Duration.ofMillis(timeoutMillis);
        this.maxAttempts = Math.max(1, maxAttempts);
        this.firstBackoffMillis = firstBackoffMillis;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
        this.worker = new Thread(this::run, "moat-webhook");
        this.worker.setDaemon(true);
        this.worker.start();
    }

    /** The URL, or a refusal that shows it masked (URI.create's own message would show the token). */
    private static URI parse(String url) {
        try {
            return URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("webhook.url is not a URL: '" + MaskedUrl.mask(url) + "'");
        }
    }

    @Override
    public void onBanStarted(Ban ban) {
        ObjectNode e = event("ban");
        e.put("subject", ban.subject());
        e.put("reason", ban.reason());
        e.put("type", ban.type());
        e.put("source", ban.source().wire());
        e.put("actor", ban.actor());
        e.put("expires_at", Instant.ofEpochMilli(ban.expiresAtMillis()).toString());
        offer(e);
    }

    @Override
    public void onKick(String user, String reason) {
        ObjectNode e = event("kick");
        e.put("user", user);
        e.put("reason", reason);
        offer(e);
    }

    @Override
    public void onReport(String kind, CheckRequest request, Decision decision) {
        if (!"filter".equals(kind)) {
            return; // kicks and bans already have their own events
        }
        ObjectNode e = event("report");
        e.put("action", request.action());
        if (request.user() != null) {
            e.put("user", request.user());
        }
        if (request.ip() != null) {
            e.put("ip", request.ip());
        }
        if (decision.filter() != null) {
            e.put("filter", decision.filter());
        }
        e.put("verdict", decision.verdict().wire());
        CheckRequest.Message m = request.message();
        if (m != null) {
            ObjectNode msg = e.putObject("message");
            msg.put("text", m.text());
            msg.put("kind", m.dm() ? "dm" : "public");
            if (m.to() != null) {
                msg.put("to", m.to());
            }
            if (m.room() != null) {
                msg.put("room", m.room());
            }
        }
        offer(e);
    }

    private static ObjectNode event(String kind) {
        ObjectNode e = JSON.createObjectNode();
        e.put("event", kind);
        e.put("at", Instant.now().toString());
        return e;
    }

    private void offer(ObjectNode e) {
        if (closed || !queue.offer(e.toString())) {
            dropped.incrementAndGet();
        }
    }

    private void run() {
        while (!closed || !queue.isEmpty()) {
            String body;
            try {
                body = queue.poll(200, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (body != null) {
                deliver(body);
            }
        }
    }

    private void deliver(String body) {
        long backoff = firstBackoffMillis;
        for (int attempt = 1; attempt <= maxAttempts; attempt++) {
            try {
                HttpRequest req = HttpRequest.newBuilder(url).timeout(timeout).header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
                HttpResponse<Void> resp = http.send(req, HttpResponse.BodyHandlers.discarding());
                if (resp.statusCode() / 100 == 2) {
                    delivered.incrementAndGet();
                    return;
                }
            } catch (java.io.IOException e) {
                // retried below
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (attempt < maxAttempts) {
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                backoff = Math.min(backoff * 2, 30_000);
            }
        }
        dropped.incrementAndGet();
    }

    /** Events delivered with a 2xx answer. */
    public long delivered() {
        return delivered.get();
    }

    /** Events dropped: queue full, or every attempt failed. */
    public long dropped() {
        return dropped.get();
    }

    @Override
    public void close() {
        closed = true;
        try {
            worker.join(timeout.toMillis() + 1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
