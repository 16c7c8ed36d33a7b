package dev.moat.server.gateway;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.http.WebSocketFrame;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Frames from the upstream are relayed as frames, not decoded and encoded again: what the client
 * reads must be byte for byte what the upstream wrote, for text (non-ASCII included), binary, and
 * messages the upstream sent in fragments (which the gateway sends on whole). The other way, a
 * client message the gateway relays unchanged reaches the upstream byte for byte too (censored
 * text is rewritten: see {@link FrameRulesTest}).
 */
class UpstreamPassThroughTest extends GatewayHarness {
    private static final String UNICODE = "héllo ☃ 😀 «chat» \u0000 end";
    private HttpServer fragmenting;

    @AfterEach
    void stopFragmenting() throws Exception {
        if (fragmenting != null) {
            fragmenting.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    /** An upstream that answers any text frame with one of each kind of message, then "end". */
    private int startFragmentingUpstream() throws Exception {
        fragmenting = vertx.createHttpServer();
        fragmenting.webSocketHandler(ws -> ws.textMessageHandler(t -> {
            ws.writeTextMessage(UNICODE);
            ws.writeBinaryMessage(Buffer.buffer(allBytes()));
            ws.writeFrame(WebSocketFrame.textFrame("frag-1 ☃ ", false));
            ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer("frag-2 😀 "), false));
            ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer("frag-3"), true));
            ws.writeFrame(WebSocketFrame.binaryFrame(Buffer.buffer(new byte[] {1, 2, 3}), false));
            ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer(new byte[] {(byte) 0xff, 0}), true));
            ws.writeTextMessage("end");
        }));
        fragmenting.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return fragmenting.actualPort();
    }

    private static byte[] allBytes() {
        byte[] b = new byte[256];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) i;
        }
        return b;
    }

    /** A message as the client read it: text or binary, and its payload's bytes. */
    record Message(boolean text, byte[] bytes) {
    }

    @Test
    void aClientMessageRelayedUnchangedReachesTheUpstreamByteIdentical() throws Exception {
        BlockingQueue<Message> atUpstream = new LinkedBlockingQueue<>();
        fragmenting = vertx.createHttpServer();
        fragmenting.webSocketHandler(ws -> {
            ws.textMessageHandler(t -> atUpstream.add(new Message(true, t.getBytes(StandardCharsets.UTF_8))));
            ws.binaryMessageHandler(b -> atUpstream.add(new Message(false, b.getBytes())));
        });
        fragmenting.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        start(BASE.replace("${UPSTREAM}", "http://127.0.0.1:" + fragmenting.actualPort()));
        WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setClosingTimeout(2));
        WebSocketConnectOptions o = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(gateway.port()).setURI("/ws");
        as(Tokens.hs256("quinn"), "203.0.113.41").forEach(o::addHeader);
        WebSocket ws = client.connect(o).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        try {
            String checked = "{ \"type\" : \"say\", \"room\":\"r\", \"text\":\"" + UNICODE.replace("\u0000", "\\u0000") + "\" }";
            String opaque = "not json at all ☃";
            ws.writeTextMessage(checked);
            ws.writeTextMessage("{\"type\":\"say\",\"room\":\"r\",\"text\":\"second\"}"); // each message with its own frame
            ws.writeFrame(WebSocketFrame.textFrame("{\"type\":\"say\",\"room\":\"r\",", false));
            ws.writeFrame(WebSocketFrame.continuationFrame(Buffer.buffer("\"text\":\"in two 😀\"}"), true));
            ws.writeTextMessage(opaque);
            ws.writeBinaryMessage(Buffer.buffer(allBytes()));
            assertThat(atUpstream.poll(10, TimeUnit.SECONDS).bytes()).isEqualTo(checked.getBytes(StandardCharsets.UTF_8));
            assertThat(new String(atUpstream.poll(10, TimeUnit.SECONDS).bytes(), StandardCharsets.UTF_8))
                    .isEqualTo("{\"type\":\"say\",\"room\":\"r\",\"text\":\"second\"}");
            assertThat(new String(atUpstream.poll(10, TimeUnit.SECONDS).bytes(), StandardCharsets.UTF_8))
                    .isEqualTo("{\"type\":\"say\",\"room\":\"r\",\"text\":\"in two 😀\"}");
            assertThat(atUpstream.poll(10, TimeUnit.SECONDS).bytes()).isEqualTo(opaque.getBytes(StandardCharsets.UTF_8));
            Message binary = atUpstream.poll(10, TimeUnit.SECONDS);
            assertThat(binary.text()).isFalse();
            assertThat(binary.bytes()).isEqualTo(allBytes());
        } finally {
            ws.close();
            client.close();
        }
    }

    @Test
    void everyKindOfUpstreamMessageReachesTheClientByteIdentical() throws Exception {
        int port = startFragmentingUpstream();
        start(BASE.replace("${UPSTREAM}", "http://127.0.0.1:" + port));
        WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions().setClosingTimeout(2));
        WebSocketConnectOptions o = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(gateway.port()).setURI("/ws");
        as(Tokens.hs256("pat"), "203.0.113.40").forEach(o::addHeader);
        BlockingQueue<Message> got = new LinkedBlockingQueue<>();
        WebSocket ws = client.connect(o).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        // frames, so that a message the gateway split or merged wrongly would show
        List<Buffer> open = new ArrayList<>();
        boolean[] openText = {false};
        ws.frameHandler(f -> {
            if (f.isText() || f.isBinary()) {
                open.clear();
                openText[0] = f.isText();
            } else if (!f.isContinuation()) {
                return;
            }
            open.add(f.binaryData().copy());
            if (f.isFinal()) {
                Buffer whole = Buffer.buffer();
                open.forEach(whole::appendBuffer);
                got.add(new Message(openText[0], whole.getBytes()));
                open.clear();
            }
        });
        try {
            ws.writeTextMessage("{\"type\":\"say\",\"room\":\"r\",\"text\":\"go\"}");
            List<Message> messages = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                Message m = got.poll(10, TimeUnit.SECONDS);
                assertThat(m).as("message %d", i).isNotNull();
                messages.add(m);
            }
            assertThat(messages.get(0).text()).isTrue();
            assertThat(messages.get(0).bytes()).isEqualTo(UNICODE.getBytes(StandardCharsets.UTF_8));
            assertThat(messages.get(1).text()).isFalse();
            assertThat(messages.get(1).bytes()).isEqualTo(allBytes());
            assertThat(messages.get(2).text()).isTrue();
            assertThat(messages.get(2).bytes()).isEqualTo("frag-1 ☃ frag-2 😀 frag-3".getBytes(StandardCharsets.UTF_8));
            assertThat(messages.get(3).text()).isFalse();
            assertThat(messages.get(3).bytes()).isEqualTo(new byte[] {1, 2, 3, (byte) 0xff, 0});
            assertThat(messages.get(4).text()).isTrue();
            assertThat(new String(messages.get(4).bytes(), StandardCharsets.UTF_8)).isEqualTo("end");
        } finally {
            ws.close();
            client.close();
        }
    }
}
