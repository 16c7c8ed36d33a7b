package dev.moat.server.gateway;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Pings, idle clients, slow consumers, and closing users' connections on demand or on a ban. */
class LivenessTest extends GatewayHarness {

    @Test
    void aClientThatDoesNotReadIsClosedWith1008() throws Exception {
        start(BASE + "  outbound_queue: 32\n  outbound_queue_bytes: 256KB\n");
        try (WsClient c = user("slow", "203.0.113.1")) {
            c.ws.pause();
            // far more than the socket buffers on both sides hold, so the gateway's own queue must fill
            c.send("{\"type\":\"flood\",\"count\":2500,\"size\":16000}");
            eventually(() -> gateway.stats().slowConsumers() == 1, "the gateway gives up on the slow reader");
            c.ws.resume();
            WsClient.Close close = c.awaitClose();
            assertThat(close.code()).isEqualTo(1008);
            assertThat(close.reason()).contains("slow consumer");
        }
        try (WsClient fast = user("fast", "203.0.113.2")) {
            fast.send("{\"type\":\"flood\",\"count\":200,\"size\":1000}");
            fast.nextContaining("\"i\":199");
        }
    }

    @Test
    void aClientThatNeverAnswersPingsIsClosedWith1001() throws Exception {
        start(BASE.replace("ping_interval: 0", "ping_interval: 400ms\n  pong_timeout: 400ms")); // wide enough that a loaded machine finishes the handshake first
        RawSocket raw = RawSocket.open(gateway.port(), Tokens.hs256("mute"), "203.0.113.3");
        byte[] all = raw.untilClosed();
        raw.client.close();
        RawSocket.Frames frames = RawSocket.parse(all);
        assertThat(frames.pings()).isGreaterThanOrEqualTo(1);
        assertThat(frames.closeCode()).isEqualTo(1001);
        assertThat(frames.closeReason()).contains("pong timeout");
    }

    @Test
    void aSilentClientIsClosedAfterTheIdleTimeoutThoughItAnswersPings() throws Exception {
        start(BASE.replace("ping_interval: 0", "ping_interval: 100ms\n  pong_timeout: 5s\n  idle_timeout: 300ms"));
        try (WsClient idle = user("idle", "203.0.113.4")) {
            WsClient.Close close = idle.awaitClose();
            assertThat(close.code()).isEqualTo(1001);
            assertThat(close.reason()).contains("idle");
        }
    }

    @Test
    void disconnectUserClosesEveryConnectionOfThatUserAndNoOther() throws Exception {
        start(BASE);
        try (WsClient a1 = user("alice", "203.0.113.5"); WsClient a2 = user("alice", "203.0.113.6");
             WsClient b = user("bob", "203.0.113.5")) {
            assertThat(gateway.disconnectUser("user:alice", "Account suspended.")).isEqualTo(2);
            for (WsClient a : new WsClient[] {a1, a2}) {
                WsClient.Close close = a.awaitClose();
                assertThat(close.code()).isEqualTo(4000);
                assertThat(close.reason()).isEqualTo("Account suspended.");
                assertThat(a.frames).anyMatch(f -> f.contains("\"reason\":\"disconnected\""));
            }
            b.roundTrip("bob-still-here");
            assertThat(gateway.disconnectUser("nobody", null)).isZero();
        }
        eventually(() -> gateway.stats().openConnections() == 0, "connections released");
    }

    @Test
    void aBanOfAUserOrOfAnAddressRangeClosesTheirConnections() throws Exception {
        start(BASE);
        try (WsClient u = user("mallory", "203.0.113.7"); WsClient inRange = user("trent", "198.51.100.77");
             WsClient outside = user("walter", "192.0.2.1")) {
            moat.ban("user:mallory", 3_600_000, "spam", "op");
            WsClient.Close c1 = u.awaitClose();
            assertThat(c1.code()).isEqualTo(4003);
            assertThat(u.frames).anyMatch(f -> f.contains("\"reason\":\"banned\""));

            moat.ban("cidr:198.51.100.0/24", 3_600_000, "abuse", "op");
            assertThat(inRange.awaitClose().code()).isEqualTo(4003);
            outside.roundTrip("outside-the-range");
        }
    }

    /** A WebSocket client written by hand that reads but never answers pings. */
    static final class RawSocket {
        /**
         * Held for the socket's whole life: Vert.x closes a client that is no longer referenced
         * (and every connection it made) when the garbage collector finds it, which once closed
         * this socket before a byte arrived.
         */
        final NetClient client;
        final NetSocket socket;
        final ByteArrayOutputStream in = new ByteArrayOutputStream();
        final CompletableFuture<byte[]> closed = new CompletableFuture<>();

        private RawSocket(NetClient client, NetSocket socket) {
            this.client = client;
            this.socket = socket;
            socket.handler(b -> {
                synchronized (in) {
                    in.writeBytes(b.getBytes());
                    byte[] all = in.toByteArray();
                    try {
                        if (new String(all, StandardCharsets.ISO_8859_1).contains("\r\n\r\n") && parse(all).closeCode() >= 0) {
                            closed.complete(all); // the close frame is here: no need to wait for the TCP close
                        }
                    } catch (RuntimeException partial) {
                        // a frame header is cut: wait for more
                    }
                }
            });
            socket.closeHandler(v -> {
                synchronized (in) {
                    closed.complete(in.toByteArray());
                }
            });
        }

        static RawSocket open(int port, String token, String ip) throws Exception {
            NetClient client = vertx.createNetClient();
            NetSocket s = client.connect(port, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            RawSocket r = new RawSocket(client, s);
            s.write(Buffer.buffer("GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    + "Authorization: Bearer " + token + "\r\nX-Forwarded-For: " + ip + "\r\n\r\n"));
            return r;
        }

        byte[] untilClosed() throws Exception {
            return closed.get(WsClient.WAIT.toSeconds(), TimeUnit.SECONDS);
        }

        record Frames(int pings, int closeCode, String closeReason) {
        }

        static Frames parse(byte[] all) {
            String head = new String(all, StandardCharsets.ISO_8859_1);
            int i = head.indexOf("\r\n\r\n");
            assertThat(head).startsWith("HTTP/1.1 101");
            i += 4;
            int pings = 0;
            while (i + 4 <= all.length) {
                int op = all[i] & 0x0f;
                long len = all[i + 1] & 0x7f;
                int p = i + 2;
                if (len == 126) {
                    len = ((all[p] & 0xff) << 8) | (all[p + 1] & 0xff);
                    p += 2;
                } else if (len == 127) {
                    len = 0;
                    for (int k = 0; k < 8; k++) {
                        len = (len << 8) | (all[p + k] & 0xff);
                    }
                    p += 8;
                }
                if (p + len > all.length) {
                    break; // not all here yet
                }
                if (op == 0x9) {
                    pings++;
                } else if (op == 0x8) {
                    int code = ((all[p] & 0xff) << 8) | (all[p + 1] & 0xff);
                    return new Frames(pings, code, new String(all, p + 2, (int) len - 2, StandardCharsets.UTF_8));
                }
                i = p + (int) len;
            }
            return new Frames(pings, -1, null);
        }
    }
}
