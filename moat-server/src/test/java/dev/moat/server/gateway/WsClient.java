package dev.moat.server.gateway;

import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/** A real WebSocket client for the tests: collects text frames and the close; every wait is bounded. */
final class WsClient implements AutoCloseable {
    static final Duration WAIT = Duration.ofSeconds(10);

    /** A close frame as received. */
    record Close(int code, String reason) {
    }

    /** A refused handshake. */
    record Refused(int status, String body) {
    }

    final WebSocket ws;
    private final WebSocketClient client;
    final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    final CompletableFuture<Close> closed = new CompletableFuture<>();

    private WsClient(WebSocketClient client, WebSocket ws) {
        this.client = client;
        this.ws = ws;
        ws.textMessageHandler(frames::add);
        ws.closeHandler(v -> closed.complete(new Close(ws.closeStatusCode() == null ? 1006 : ws.closeStatusCode(),
                ws.closeReason())));
    }

    /** Connects or fails the test. */
    static WsClient connect(Vertx vertx, int port, String uri, Map<String, String> headers) {
        Object r = attempt(vertx, port, uri, headers);
        if (r instanceof Refused f) {
            fail("handshake refused: " + f.status() + " " + f.body());
        }
        return (WsClient) r;
    }

    /** Expects the handshake to be refused. */
    static Refused refused(Vertx vertx, int port, String uri, Map<String, String> headers) {
        Object r = attempt(vertx, port, uri, headers);
        if (r instanceof WsClient c) {
            c.close();
            fail("handshake was accepted, expected a refusal");
        }
        return (Refused) r;
    }

    static Object attempt(Vertx vertx, int port, String uri, Map<String, String> headers) {
        WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxFrameSize(1 << 20)
                .setMaxMessageSize(1 << 20).setClosingTimeout(2));
        WebSocketConnectOptions o = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(uri)
                .setAllowOriginHeader(headers.keySet().stream().anyMatch("Origin"::equalsIgnoreCase));
        headers.forEach(o::addHeader);
        CompletableFuture<Object> result = new CompletableFuture<>();
        client.connect(o).onComplete(ar -> {
            if (ar.succeeded()) {
                result.complete(new WsClient(client, ar.result()));
            } else if (ar.cause() instanceof UpgradeRejectedException u) {
                result.complete(new Refused(u.getStatus(), u.getBody() == null ? "" : u.getBody().toString()));
            } else {
                result.completeExceptionally(ar.cause());
            }
        });
        try {
            Object r = result.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            if (r instanceof Refused) {
                client.close();
            }
            return r;
        } catch (ExecutionException e) {
            throw new AssertionError("connect failed", e.getCause());
        } catch (Exception e) {
            throw new AssertionError("connect did not finish", e);
        }
    }

    void send(String frame) {
        ws.writeTextMessage(frame);
    }

    /** The next text frame, or fails. */
    String next() {
        try {
            String f = frames.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
            if (f == null) {
                fail("no frame within " + WAIT);
            }
            return f;
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    /** The next frame matching, skipping others, or fails. */
    String next(Predicate<String> p) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                String f = frames.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (f != null && p.test(f)) {
                    return f;
                }
            } catch (InterruptedException e) {
                throw new AssertionError(e);
            }
        }
        return fail("no matching frame within " + WAIT + "; left: " + frames);
    }

    String nextContaining(String needle) {
        return next(f -> f.contains(needle));
    }

    /** Sends an echo and waits for it: everything sent before has been through the gateway. */
    void roundTrip(String marker) {
        send("{\"type\":\"echo\",\"marker\":\"" + marker + "\"}");
        nextContaining(marker);
    }

    Close awaitClose() {
        try {
            return closed.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("not closed within " + WAIT + "; frames: " + frames, e);
        }
    }

    void assertOpen() {
        assertThat(closed).isNotDone();
    }

    @Override
    public void close() {
        if (!ws.isClosed()) {
            ws.close();
        }
        client.close();
    }
}
