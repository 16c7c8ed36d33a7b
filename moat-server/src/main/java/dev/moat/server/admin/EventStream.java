package dev.moat.server.admin;

import dev.moat.server.http.Json;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;

import java.util.function.BooleanSupplier;

/**
 * One open {@code GET /v1/events} response. Events arrive from whatever thread made the decision;
 * each hops to the connection's own context before it is written, so the response is only ever
 * touched on its event loop. A client that reads too slowly does not make the server buffer
 * without bound: while the connection's write queue is full, events are dropped and counted, and
 * the next event written is preceded by a {@code gap} event saying how many were lost (the page
 * can reload the summary to fill it). A heartbeat comment keeps idle proxies and the server's idle
 * timeout from closing a quiet stream, and ends the stream once {@code stillValid} says the key
 * set changed (a reload may have removed the key that opened it; the page reconnects and is asked again).
 */
final class EventStream {
    static final long HEARTBEAT_MILLIS = 15_000;
    static final long RETRY_MILLIS = 3_000;

    private final HttpServerResponse res;
    private final Context context;
    private final BooleanSupplier stillValid;
    private RefusalFeed.Subscription subscription;
    private long timer = -1;
    private long dropped;
    private boolean ended;

    EventStream(HttpServerResponse res, Context context, BooleanSupplier stillValid) {
        this.res = res;
        this.context = context;
        this.stillValid = stillValid;
    }

    /** Sends the headers and the preamble, subscribes, and starts the heartbeat (on the connection's context). */
    void open(RefusalFeed feed, long afterId) {
        res.setChunked(true)
                .putHeader("Content-Type", Sse.CONTENT_TYPE)
                .putHeader("X-Accel-Buffering", "no");
        res.closeHandler(v -> end());
        res.exceptionHandler(t -> end());
        // the first write sends the headers, so the client's fetch() resolves at once
        res.write(Sse.retry(RETRY_MILLIS) + Sse.comment("moat refusals; last id " + feed.lastId()));
        subscription = feed.subscribe(afterId, e -> context.runOnContext(v -> write(e)));
        timer = context.owner().setPeriodic(HEARTBEAT_MILLIS, id -> heartbeat());
    }

    private void write(RefusalEvent e) {
        if (ended) {
            return;
        }
        if (res.writeQueueFull()) {
            dropped++;
            return;
        }
        if (dropped > 0) {
            res.write(Sse.event(null, "gap", "{\"dropped\":" + dropped + "}"));
            dropped = 0;
        }
        res.write(Sse.event(Long.toString(e.id()), "refusal", Json.buffer(e.toJson()).toString()));
    }

    private void heartbeat() {
        if (ended) {
            return;
        }
        if (!stillValid.getAsBoolean()) {
            end();
            return;
        }
        if (!res.writeQueueFull()) {
            res.write(Sse.comment("ping"));
        }
    }

    /** Ends the stream and releases everything it holds; idempotent. */
    void end() {
        if (ended) {
            return;
        }
        ended = true;
        if (subscription != null) {
            subscription.close();
        }
        if (timer >= 0) {
            context.owner().cancelTimer(timer);
        }
        if (!res.ended() && !res.closed()) {
            res.end();
        }
    }
}
