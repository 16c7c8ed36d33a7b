package dev.moat.server.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small chat server written for the tests, the kind of server the gateway protects: it trusts
 * whoever connects (it reads the user from the token's payload without verifying it, or from
 * {@code ?user=}), and speaks JSON frames.
 *
 * <ul>
 *   <li>{@code {"type":"join","room":"r"}}: joins a room
 *   <li>{@code {"type":"say","room":"r","text":"..."}}: to everyone in the room, sender included
 *   <li>{@code {"type":"dm","to":"bob","text":"..."}}: to bob's connections, and {@code sent} back
 *   <li>{@code {"type":"echo",...}}: the frame back
 *   <li>{@code {"type":"flood","count":N,"size":S}}: N frames of about S bytes back
 * </ul>
 * On open it sends {@code {"type":"welcome","user":...}}. HTTP: every request is answered with a
 * JSON echo of its method, path, query, headers and body; {@code /api/stream} streams three
 * server-sent events; {@code /api/status/NNN} answers NNN.
 */
final class ChatServer implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** A frame the server received, with who sent it. */
    record Received(String user, String frame) {
    }

    private final Vertx vertx;
    private HttpServer server;
    final List<Received> received = new CopyOnWriteArrayList<>();
    final Map<String, Set<ServerWebSocket>> byUser = new ConcurrentHashMap<>();
    final Map<String, Set<ServerWebSocket>> rooms = new ConcurrentHashMap<>();
    final List<Map<String, String>> handshakes = new CopyOnWriteArrayList<>();
    final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger anon = new AtomicInteger();

    ChatServer(Vertx vertx) {
        this.vertx = vertx;
    }

    ChatServer start() throws Exception {
        server = vertx.createHttpServer();
        server.webSocketHandshakeHandler(h -> {
            if (h.path().startsWith("/refuse")) {
                h.reject(403); // an upstream that says no at the handshake
            } else {
                h.accept();
            }
        });
        server.webSocketHandler(this::onSocket);
        server.requestHandler(this::onRequest);
        server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return this;
    }

    int port() {
        return server.actualPort();
    }

    String url() {
        return "http://127.0.0.1:" + port();
    }

    /** Frames received from {@code user} so far. */
    List<String> framesFrom(String user) {
        return received.stream().filter(r -> r.user().equals(user)).map(Received::frame).toList();
    }

    boolean receivedContaining(String needle) {
        return received.stream().anyMatch(r -> r.frame().contains(needle));
    }

    @Override
    public void close() throws Exception {
        server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static String userOf(String token) {
        if (token == null) {
            return null;
        }
        String[] parts = token.split("\\.");
        if (parts.length < 2) {
            return null;
        }
        try {
            JsonNode n = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            JsonNode sub = n.has("sub") ? n.get("sub") : n.get("id");
            return sub == null ? null : sub.asText();
        } catch (Exception e) {
            return null;
        }
    }

    private void onSocket(ServerWebSocket ws) {
        Map<String, String> h = new ConcurrentHashMap<>();
        ws.headers().forEach(e -> h.merge(e.getKey().toLowerCase(), e.getValue(), (a, b) -> a + ", " + b));
        h.put(":uri", ws.uri());
        handshakes.add(h);
        String auth = ws.headers().get("Authorization");
        String token = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : null;
        String query = ws.query() == null ? "" : ws.query();
        String user = userOf(token);
        for (String kv : query.split("&")) {
            if (user == null && kv.startsWith("token=")) {
                user = userOf(kv.substring(6));
            }
            if (user == null && kv.startsWith("user=")) {
                user = kv.substring(5);
            }
        }
        if (user == null) {
            user = "anon-" + anon.incrementAndGet();
        }
        String me = user;
        open.incrementAndGet();
        byUser.computeIfAbsent(me, k -> ConcurrentHashMap.newKeySet()).add(ws);
        ws.closeHandler(v -> {
            open.decrementAndGet();
            byUser.getOrDefault(me, Set.of()).remove(ws);
            rooms.values().forEach(s -> s.remove(ws));
        });
        ws.textMessageHandler(text -> onFrame(me, ws, text));
        ws.binaryMessageHandler(b -> received.add(new Received(me, "binary:" + b.length())));
        ws.writeTextMessage("{\"type\":\"welcome\",\"user\":\"" + me + "\"}");
    }

    private void onFrame(String user, ServerWebSocket ws, String text) {
        received.add(new Received(user, text));
        JsonNode f;
        try {
            f = JSON.readTree(text);
        } catch (Exception e) {
            ws.writeTextMessage("{\"type\":\"unparsed\"}");
            return;
        }
        String type = f.path("type").asText();
        switch (type) {
            case "join" -> rooms.computeIfAbsent(f.path("room").asText(), k -> ConcurrentHashMap.newKeySet()).add(ws);
            case "say" -> {
                ObjectNode out = JSON.createObjectNode().put("type", "say").put("from", user)
                        .put("room", f.path("room").asText()).put("text", f.path("text").asText());
                for (ServerWebSocket m : rooms.getOrDefault(f.path("room").asText(), Set.of())) {
                    m.writeTextMessage(out.toString());
                }
            }
            case "dm" -> {
                String to = f.path("to").asText();
                ObjectNode out = JSON.createObjectNode().put("type", "dm").put("from", user).put("text", f.path("text").asText());
                for (ServerWebSocket m : byUser.getOrDefault(to, Set.of())) {
                    m.writeTextMessage(out.toString());
                }
                ws.writeTextMessage(JSON.createObjectNode().put("type", "sent").put("to", to)
                        .put("text", f.path("text").asText()).toString());
            }
            case "echo" -> ws.writeTextMessage(text);
            case "flood" -> {
                int count = f.path("count").asInt();
                int size = f.path("size").asInt();
                String pad = "x".repeat(Math.max(0, size - 40));
                for (int i = 0; i < count && !ws.isClosed(); i++) {
                    ws.writeTextMessage("{\"type\":\"flood\",\"i\":" + i + ",\"pad\":\"" + pad + "\"}");
                }
            }
            default -> ws.writeTextMessage("{\"type\":\"unknown\"}");
        }
    }

    private void onRequest(HttpServerRequest req) {
        if (req.path().startsWith("/api/status/")) {
            int code = Integer.parseInt(req.path().substring("/api/status/".length()));
            req.response().setStatusCode(code).putHeader("X-Upstream", "yes").end("status " + code);
            return;
        }
        if (req.path().equals("/api/stream")) {
            var res = req.response().setChunked(true).putHeader("Content-Type", "text/event-stream");
            res.write("data: one\n\n");
            vertx.setTimer(20, a -> {
                res.write("data: two\n\n");
                vertx.setTimer(20, b -> res.end("data: three\n\n"));
            });
            return;
        }
        req.body().onSuccess(body -> {
            ObjectNode out = JSON.createObjectNode();
            out.put("method", req.method().name());
            out.put("path", req.path());
            out.put("query", req.query());
            ObjectNode hs = out.putObject("headers");
            req.headers().forEach(e -> {
                String k = e.getKey().toLowerCase();
                hs.put(k, hs.has(k) ? hs.get(k).asText() + ", " + e.getValue() : e.getValue());
            });
            out.put("body", body.toString(StandardCharsets.UTF_8));
            req.response().putHeader("Content-Type", "application/json").putHeader("X-Upstream", "yes")
                    .putHeader("Set-Cookie", "sid=abc; HttpOnly")
                    .setStatusCode(req.path().endsWith("/created") ? 201 : 200)
                    .end(Buffer.buffer(out.toString()));
        });
    }
}
