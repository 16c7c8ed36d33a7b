package dev.moat.server.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The upstream half of the WebSocket handshake on a raw socket, against real servers: a Vert.x HTTP server that
 * upgrades or refuses, and raw TCP servers that answer what no real server should.
 */
class UpstreamUpgradeTest {
    private static final long WAIT_SECONDS = 10;
    private static Vertx vertx;
    private static NetClient client;
    private final List<HttpServer> httpServers = new ArrayList<>();
    private final List<NetServer> netServers = new ArrayList<>();

    @BeforeAll
    static void startVertx() {
        vertx = Vertx.vertx();
        client = vertx.createNetClient(new NetClientOptions().setConnectTimeout(5000));
    }

    @AfterAll
    static void stopVertx() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    @AfterEach
    void stopServers() throws Exception {
        for (HttpServer s : httpServers) {
            s.close().toCompletionStage().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
        for (NetServer s : netServers) {
            s.close().toCompletionStage().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
    }

    // ---- upgrades --------------------------------------------------------------------------------------------

    @Test
    void upgradesWithTheGivenHeadersAndLeavesASocketThatCarriesFrames() throws Exception {
        CompletableFuture<MultiMap> seen = new CompletableFuture<>();
        int port = httpServer(new HttpServerOptions(), s -> s.webSocketHandler(ws -> {
            seen.complete(ws.headers());
            ws.textMessageHandler(ws::writeTextMessage);
        }));
        NetSocketInternal socket = connect(port);
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        Future<Object> f = UpstreamUpgrade.start(vertx, socket, "chat.example:8080", "/ws?room=1",
                List.of(Map.entry("X-Trace", "abc-123"), Map.entry("Origin", "https://chat.example")), 5000)
                .onSuccess(o -> socket.messageHandler(collectInto(received)));

        UpstreamUpgrade.Upgraded up = (UpstreamUpgrade.Upgraded) await(f);
        assertThat(up.protocol()).isNull();
        assertThat(up.leftover()).isNull();
        MultiMap headers = seen.get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(headers.get("Host")).isEqualTo("chat.example:8080");
        assertThat(headers.get("X-Trace")).isEqualTo("abc-123");
        assertThat(headers.get("Origin")).isEqualTo("https://chat.example");
        assertThat(headers.getAll("Host")).hasSize(1);

        socket.writeMessage(maskedTextFrame("hello ☃"));
        byte[] payload = "hello ☃".getBytes(StandardCharsets.UTF_8);
        byte[] echoed = waitForBytes(received, 2 + payload.length);
        assertThat(echoed[0] & 0xff).isEqualTo(0x81);
        assertThat(echoed[1] & 0xff).isEqualTo(payload.length);
        assertThat(new String(echoed, 2, payload.length, StandardCharsets.UTF_8)).isEqualTo("hello ☃");
        socket.close();
    }

    @Test
    void reportsTheSubprotocolTheUpstreamChoseFromTheOffer() throws Exception {
        int port = httpServer(new HttpServerOptions().addWebSocketSubProtocol("chat.v2"), s -> s.webSocketHandler(ws -> {
        }));
        NetSocketInternal socket = connect(port);
        Object o = await(UpstreamUpgrade.start(vertx, socket, "localhost", "/ws",
                List.of(Map.entry("Sec-WebSocket-Protocol", "chat.v1, chat.v2")), 5000));
        assertThat(((UpstreamUpgrade.Upgraded) o).protocol()).isEqualTo("chat.v2");
        socket.close();
    }

    @Test
    void aFirstFrameSentWithTheSwitchFromAVertxServerFollowsTheHeadInOrder() throws Exception {
        int port = httpServer(new HttpServerOptions(), s -> s.webSocketHandler(ws -> {
            ws.writeTextMessage("0{\"sid\":\"first\"}");
            ws.writeTextMessage("second");
        }));
        NetSocketInternal socket = connect(port);
        ByteArrayOutputStream rest = new ByteArrayOutputStream();
        UpstreamUpgrade.Upgraded up = (UpstreamUpgrade.Upgraded) await(
                UpstreamUpgrade.start(vertx, socket, "localhost", "/socket.io/?EIO=4", List.of(), 5000)
                        .onSuccess(o -> socket.messageHandler(collectInto(rest))));
        byte[] leftover = new byte[0];
        if (up.leftover() != null) {
            leftover = bytesOf(up.leftover());
            up.leftover().release();
        }
        byte[] expected = concat(frame("0{\"sid\":\"first\"}"), frame("second"));
        byte[] frames = concat(leftover, waitForBytes(rest, expected.length - leftover.length));
        assertThat(frames).isEqualTo(expected);
        socket.close();
    }

    @Test
    void bytesInTheSameReadAsTheSwitchAreTheLeftover() throws Exception {
        byte[] first = frame("0{\"sid\":\"x\"}");
        int port = rawServer(req -> Buffer.buffer(switchingHead(req, "")).appendBytes(first));
        NetSocketInternal socket = connect(port);
        UpstreamUpgrade.Upgraded up = (UpstreamUpgrade.Upgraded) await(
                UpstreamUpgrade.start(vertx, socket, "localhost", "/ws", List.of(), 5000));
        assertThat(up.leftover()).isNotNull();
        assertThat(bytesOf(up.leftover())).isEqualTo(first);
        up.leftover().release();
        socket.close();
    }

    @Test
    void aHeadSplitAcrossReadsWithA100ContinueBeforeItIsRead() throws Exception {
        int port = headServer((s, req) -> {
            String head = "HTTP/1.1 100 Continue\r\n\r\n" + switchingHead(req, "");
            int cut = head.length() / 2;
            s.write(head.substring(0, cut));
            vertx.setTimer(30, t -> s.write(head.substring(cut)));
        });
        NetSocketInternal socket = connect(port);
        UpstreamUpgrade.Upgraded up = (UpstreamUpgrade.Upgraded) await(
                UpstreamUpgrade.start(vertx, socket, "localhost", "/ws", List.of(), 5000));
        assertThat(up.leftover()).isNull();
        socket.close();
    }

    // ---- rejections ------------------------------------------------------------------------------------------

    @Test
    void a401WithContentLengthIsRelayedWithItsHeadersAndBody() throws Exception {
        int port = httpServer(new HttpServerOptions(), s -> s.requestHandler(req -> req.response().setStatusCode(401)
                .putHeader("Content-Type", "application/json")
                .putHeader("X-Reason", "token-expired")
                .end("{\"error\":\"token\"}")));
        NetSocketInternal socket = connect(port);
        UpstreamUpgrade.Rejected r = (UpstreamUpgrade.Rejected) await(
                UpstreamUpgrade.start(vertx, socket, "localhost", "/ws", List.of(), 5000));
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.headers()).contains(Map.entry("X-Reason", "token-expired"),
                Map.entry("Content-Type", "application/json"));
        assertThat(r.body().toString()).isEqualTo("{\"error\":\"token\"}");
        socket.close();
    }

    @Test
    void a403WithAChunkedBodyIsReadWhole() throws Exception {
        int port = httpServer(new HttpServerOptions(), s -> s.requestHandler(req -> {
            var res = req.response().setStatusCode(403).setChunked(true);
            res.write("part one, ");
            vertx.setTimer(20, t -> res.end("part two"));
        }));
        NetSocketInternal socket = connect(port);
        UpstreamUpgrade.Rejected r = (UpstreamUpgrade.Rejected) await(
                UpstreamUpgrade.start(vertx, socket, "localhost", "/ws", List.of(), 5000));
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.headers()).anySatisfy(h -> assertThat(h.getValue()).isEqualToIgnoringCase("chunked"));
        assertThat(r.body().toString()).isEqualTo("part one, part two");
        socket.close();
    }

    @Test
    void chunkExtensionsAndTrailersAreSkipped() throws Exception {
        int port = rawServer(req -> Buffer.buffer("HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;name=value\r\nhello\r\n6 ; x\r\n world\r\n0\r\nX-Trailer: t\r\n\r\n"));
        NetSocketInternal socket = connect(port);
        UpstreamUpgrade.Rejected r = (UpstreamUpgrade.Rejected) await(
                UpstreamUpgrade.start(vertx, socket, "localhost", "/ws", List.of(), 5000));
        assertThat(r.body().toString()).isEqualTo("hello world");
        socket.close();
    }

    @Test
    void a500WithoutALengthIsReadUntilTheUpstreamCloses() throws Exception {
        int port = headServer((s, req) -> {
            s.write("HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\n\r\nsomething ");
            vertx.setTimer(20, t -> s.end(Buffer.buffer("went wrong")));
        });
        NetSocketInternal socket = connect(port);
        UpstreamUpgrade.Rejected r = (UpstreamUpgrade.Rejected) await(
                UpstreamUpgrade.start(vertx, socket, "localhost", "/ws", List.of(), 5000));
        assertThat(r.status()).isEqualTo(500);
        assertThat(r.headers()).containsExactly(Map.entry("Connection", "close"));
        assertThat(r.body().toString()).isEqualTo("something went wrong");
    }

    @Test
    void aBodyLongerThanTheCapIsCutAndTheSocketClosed() throws Exception {
        String big = "x".repeat(UpstreamUpgrade.MAX_BODY_BYTES + 10_000);
        int port = httpServer(new HttpServerOptions(), s -> s.requestHandler(req -> req.response().setStatusCode(413)
                .end(big)));
        NetSocketInternal socket = connect(port);
        CompletableFuture<Void> closed = new CompletableFuture<>();
        socket.closeHandler(v -> closed.complete(null));
        UpstreamUpgrade.Rejected r = (UpstreamUpgrade.Rejected) await(
                UpstreamUpgrade.start(vertx, socket, "localhost", "/ws", List.of(), 5000));
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.body().length()).isEqualTo(UpstreamUpgrade.MAX_BODY_BYTES);
        closed.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    // ---- failures --------------------------------------------------------------------------------------------

    @Test
    void garbageInsteadOfAStatusLineFails() throws Exception {
        int port = rawServer(req -> Buffer.buffer("SSH-2.0-OpenSSH_9.6\r\n"));
        assertThat(failure(port, List.of(), 5000)).hasMessageContaining("status line").hasMessageContaining("SSH-2.0");
    }

    @Test
    void anOversizedHeadFails() throws Exception {
        String huge = "HTTP/1.1 200 OK\r\nX-Big: " + "a".repeat(UpstreamUpgrade.MAX_HEAD_BYTES) + "\r\n\r\n";
        int port = rawServer(req -> Buffer.buffer(huge));
        assertThat(failure(port, List.of(), 5000)).hasMessageContaining("longer than " + UpstreamUpgrade.MAX_HEAD_BYTES);
    }

    @Test
    void aFoldedHeaderFails() throws Exception {
        int port = rawServer(req -> Buffer.buffer("HTTP/1.1 403 Forbidden\r\nX-A: b\r\n  more\r\n\r\n"));
        assertThat(failure(port, List.of(), 5000)).hasMessageContaining("obs-fold");
    }

    @Test
    void aHeaderLineWithoutAColonFails() throws Exception {
        int port = rawServer(req -> Buffer.buffer("HTTP/1.1 403 Forbidden\r\nnot a header\r\n\r\n"));
        assertThat(failure(port, List.of(), 5000)).hasMessageContaining("without ':'").hasMessageContaining("not a header");
    }

    @Test
    void aSwitchWithTheWrongAcceptFailsAndClosesTheSocket() throws Exception {
        int port = rawServer(req -> Buffer.buffer("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n"));
        NetSocketInternal socket = connect(port);
        CompletableFuture<Void> closed = new CompletableFuture<>();
        socket.closeHandler(v -> closed.complete(null));
        Throwable e = failureOf(UpstreamUpgrade.start(vertx, socket, "localhost", "/ws", List.of(), 5000));
        assertThat(e).isInstanceOf(UpstreamUpgrade.HandshakeFailure.class).hasMessageContaining("Sec-WebSocket-Accept");
        closed.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    @Test
    void aSwitchWithExtensionsNoneOfferedFails() throws Exception {
        int port = rawServer(req -> Buffer.buffer(switchingHead(req, "Sec-WebSocket-Extensions: permessage-deflate\r\n")));
        assertThat(failure(port, List.of(), 5000)).hasMessageContaining("Sec-WebSocket-Extensions");
    }

    @Test
    void aSwitchToAProtocolNotOfferedFails() throws Exception {
        int port = rawServer(req -> Buffer.buffer(switchingHead(req, "Sec-WebSocket-Protocol: mqtt\r\n")));
        assertThat(failure(port, List.of(Map.entry("Sec-WebSocket-Protocol", "chat")), 5000))
                .hasMessageContaining("not offered");
    }

    /** A socket to an upstream that accepts and never says anything, and a future of its close. */
    private record SilentUpstream(NetSocketInternal socket, CompletableFuture<Void> closed) {
    }

    private SilentUpstream silentUpstream() throws Exception {
        NetServer server = vertx.createNetServer();
        netServers.add(server);
        server.connectHandler(s -> {
        });
        NetSocketInternal socket = connect(listen(server));
        CompletableFuture<Void> closed = new CompletableFuture<>();
        socket.closeHandler(v -> closed.complete(null));
        return new SilentUpstream(socket, closed);
    }

    @Test
    void anUpstreamThatNeverAnswersTimesOutAndTheSocketIsClosed() throws Exception {
        SilentUpstream up = silentUpstream();
        Throwable e = failureOf(UpstreamUpgrade.start(vertx, up.socket(), "localhost", "/ws", List.of(), 300));
        assertThat(e).hasMessageContaining("within 300 ms");
        up.closed().get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    @Test
    void anUpstreamThatClosesAtOnceFails() throws Exception {
        NetServer server = vertx.createNetServer();
        netServers.add(server);
        server.connectHandler(NetSocket::close);
        // depending on the race, the request's write or the read of the answer sees the close: either says so
        assertThat(failure(listen(server), List.of(), 5000))
                .isInstanceOf(UpstreamUpgrade.HandshakeFailure.class).hasMessageContaining("closed");
    }

    @Test
    void aWriteOntoAClosedUpstreamSaysTheUpstreamClosed() throws Exception {
        SilentUpstream up = silentUpstream();
        up.socket().close();
        up.closed().get(WAIT_SECONDS, TimeUnit.SECONDS);
        Throwable e = failureOf(UpstreamUpgrade.start(vertx, up.socket(), "localhost", "/ws", List.of(), 5000));
        assertThat(e).isInstanceOf(UpstreamUpgrade.HandshakeFailure.class)
                .hasMessage("the upstream closed the connection before the WebSocket upgrade request was written");
    }

    @Test
    void aCrLfInAHeaderValueIsRefusedBeforeAnythingIsWritten() throws Exception {
        CompletableFuture<String> firstBytes = new CompletableFuture<>();
        NetServer server = vertx.createNetServer();
        netServers.add(server);
        server.connectHandler(s -> s.handler(b -> firstBytes.complete(b.toString(StandardCharsets.ISO_8859_1))));
        NetSocketInternal socket = connect(listen(server));
        Throwable e = failureOf(UpstreamUpgrade.start(vertx, socket, "localhost", "/ws",
                List.of(Map.entry("X-Evil", "a\r\nX-Injected: 1")), 5000));
        assertThat(e).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("X-Evil").hasMessageContaining("CR");

        Throwable badName = failureOf(UpstreamUpgrade.start(vertx, socket, "localhost", "/ws",
                List.of(Map.entry("X Evil", "a")), 5000));
        assertThat(badName).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("X Evil");
        Throwable ownHeader = failureOf(UpstreamUpgrade.start(vertx, socket, "localhost", "/ws",
                List.of(Map.entry("host", "elsewhere")), 5000));
        assertThat(ownHeader).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("host");

        // the first bytes the server ever sees are these, so nothing was written before them
        socket.write("PING\n");
        assertThat(firstBytes.get(WAIT_SECONDS, TimeUnit.SECONDS)).startsWith("PING");
        socket.close();
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private int httpServer(HttpServerOptions options, Consumer<HttpServer> setup) throws Exception {
        HttpServer server = vertx.createHttpServer(options);
        httpServers.add(server);
        setup.accept(server);
        server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
        return server.actualPort();
    }

    /** A TCP server that answers the first complete request head with response(head). */
    private int rawServer(Function<String, Buffer> response) throws Exception {
        return headServer((s, req) -> s.write(response.apply(req)));
    }

    /** A TCP server that calls onHead(socket, head) with each connection's first complete request head. */
    private int headServer(java.util.function.BiConsumer<NetSocket, String> onHead) throws Exception {
        NetServer server = vertx.createNetServer();
        netServers.add(server);
        server.connectHandler(s -> onRequestHead(s, req -> onHead.accept(s, req)));
        return listen(server);
    }

    private static void onRequestHead(NetSocket s, Consumer<String> onHead) {
        StringBuilder seen = new StringBuilder();
        s.handler(b -> {
            boolean had = seen.indexOf("\r\n\r\n") >= 0;
            seen.append(b.toString(StandardCharsets.ISO_8859_1));
            if (!had && seen.indexOf("\r\n\r\n") >= 0) {
                onHead.accept(seen.toString());
            }
        });
    }

    private int listen(NetServer server) throws Exception {
        server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
        return server.actualPort();
    }

    /** A valid 101 for the request head req, with extra header lines (each ending in CRLF). */
    private static String switchingHead(String req, String extra) {
        String key = null;
        for (String line : req.split("\r\n")) {
            if (line.regionMatches(true, 0, "Sec-WebSocket-Key:", 0, 18)) {
                key = line.substring(18).trim();
            }
        }
        assertThat(key).as("the request's Sec-WebSocket-Key").isNotNull();
        return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: " + acceptFor(key) + "\r\n" + extra + "\r\n";
    }

    /** RFC 6455 4.2.2, computed here on its own rather than through the class under test. */
    private static String acceptFor(String key) {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA-1")
                    .digest((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(sha1);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private static NetSocketInternal connect(int port) throws Exception {
        return (NetSocketInternal) client.connect(port, "127.0.0.1").toCompletionStage().toCompletableFuture()
                .get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private static Object await(Future<Object> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private static Throwable failureOf(Future<Object> f) throws Exception {
        try {
            Object o = await(f);
            throw new AssertionError("expected a failure, got " + o);
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    private Throwable failure(int port, List<Map.Entry<String, String>> headers, long timeoutMillis) throws Exception {
        NetSocketInternal socket = connect(port);
        return failureOf(UpstreamUpgrade.start(vertx, socket, "localhost", "/ws", headers, timeoutMillis));
    }

    private static io.vertx.core.Handler<Object> collectInto(ByteArrayOutputStream out) {
        return msg -> {
            ByteBuf buf = (ByteBuf) msg;
            try {
                byte[] bytes = bytesOf(buf);
                synchronized (out) {
                    out.write(bytes, 0, bytes.length);
                    out.notifyAll();
                }
            } finally {
                buf.release();
            }
        };
    }

    private static byte[] waitForBytes(ByteArrayOutputStream out, int atLeast) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        synchronized (out) {
            while (out.size() < atLeast) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    throw new AssertionError("only " + out.size() + " of " + atLeast + " bytes arrived");
                }
                out.wait(left);
            }
            return out.toByteArray();
        }
    }

    private static byte[] bytesOf(ByteBuf buf) {
        byte[] bytes = new byte[buf.readableBytes()];
        buf.getBytes(buf.readerIndex(), bytes);
        return bytes;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** An unmasked server text frame (payload under 126 bytes), as the upstream sends it. */
    private static byte[] frame(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        byte[] f = new byte[2 + payload.length];
        f[0] = (byte) 0x81;
        f[1] = (byte) payload.length;
        System.arraycopy(payload, 0, f, 2, payload.length);
        return f;
    }

    /** A masked client text frame (payload under 126 bytes), as RFC 6455 5.3 requires of a client. */
    private static ByteBuf maskedTextFrame(String text) {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        byte[] mask = {0x12, 0x34, 0x56, 0x78};
        ByteBuf f = Unpooled.buffer(6 + payload.length);
        f.writeByte(0x81).writeByte(0x80 | payload.length).writeBytes(mask);
        for (int i = 0; i < payload.length; i++) {
            f.writeByte(payload[i] ^ mask[i & 3]);
        }
        return f;
    }
}
