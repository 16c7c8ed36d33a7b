package dev.moat.server.gateway;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The gateway speaks WebSocket itself ({@link RawWebSocket}), so what a client gets wrong is the
 * gateway's to answer, as RFC 6455 says: seen here from a plain TCP socket that writes the bytes a
 * broken or hostile client would.
 */
class ClientProtocolTest extends GatewayHarness {

    @Test
    void anUnmaskedClientFrameIsAProtocolError() throws Exception {
        start(BASE);
        try (Socket s = upgraded()) {
            s.getOutputStream().write(new byte[] {(byte) 0x81, 2, 'h', 'i'}); // text, fin, no mask
            assertThat(closeCode(s.getInputStream())).isEqualTo(1002);
        }
    }

    @Test
    void textThatIsNotUtf8IsClosedWith1007() throws Exception {
        start(BASE);
        try (Socket s = upgraded()) {
            s.getOutputStream().write(masked(0x81, new byte[] {'{', (byte) 0xC3, (byte) 0x28, '}'}));
            assertThat(closeCode(s.getInputStream())).isEqualTo(1007);
        }
    }

    @Test
    void aReservedBitIsAProtocolError() throws Exception {
        start(BASE);
        try (Socket s = upgraded()) {
            s.getOutputStream().write(masked(0xC1, "{}".getBytes(StandardCharsets.UTF_8))); // RSV1: no extension was agreed
            assertThat(closeCode(s.getInputStream())).isEqualTo(1002);
        }
    }

    @Test
    void aPingIsAnsweredWithAPongCarryingItsPayload() throws Exception {
        start(BASE);
        try (Socket s = upgraded()) {
            s.getOutputStream().write(masked(0x89, new byte[] {7, 8, 9}));
            InputStream in = s.getInputStream();
            while (true) { // the chat server may greet first
                int b0 = in.read();
                int len = in.read() & 0x7f;
                assertThat(b0).as("the connection closed before a pong").isNotNegative();
                byte[] payload = in.readNBytes(len);
                if (b0 == 0x8A) {
                    assertThat(payload).containsExactly(7, 8, 9);
                    break;
                }
            }
        }
    }

    @Test
    void aHandshakeOfAnotherVersionOrWithoutAKeyIsRefused() throws Exception {
        start(BASE);
        assertThat(statusOf(request("8", "dGhlIHNhbXBsZSBub25jZQ=="))).startsWith("HTTP/1.1 400");
        assertThat(statusOf(request("13", "short"))).startsWith("HTTP/1.1 400");
    }

    private Socket upgraded() throws IOException {
        Socket s = new Socket("127.0.0.1", gateway.port());
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        out.write(request("13", "dGhlIHNhbXBsZSBub25jZQ==").getBytes(StandardCharsets.US_ASCII));
        String head = head(s.getInputStream());
        assertThat(head).startsWith("HTTP/1.1 101");
        assertThat(head).contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        return s;
    }

    private String request(String version, String key) {
        return "GET /ws?token=" + Tokens.hs256("alice") + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                + "Connection: Upgrade\r\nSec-WebSocket-Version: " + version + "\r\nSec-WebSocket-Key: " + key + "\r\n\r\n";
    }

    private String statusOf(String request) throws IOException {
        try (Socket s = new Socket("127.0.0.1", gateway.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            return head(s.getInputStream());
        }
    }

    private static String head(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (!b.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) {
                break;
            }
            b.write(c);
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    /** Reads frames until a close frame and returns its code. */
    private static int closeCode(InputStream in) throws IOException {
        while (true) {
            int b0 = in.read();
            int len = in.read();
            assertThat(b0).as("the connection closed without a close frame").isNotNegative();
            byte[] payload = in.readNBytes(len & 0x7f); // the gateway's frames here are short
            if ((b0 & 0x0f) == 8) {
                return ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
            }
        }
    }

    private static byte[] masked(int first, byte[] payload) {
        byte[] key = {0x11, 0x22, 0x33, 0x44};
        byte[] f = new byte[2 + 4 + payload.length];
        f[0] = (byte) first;
        f[1] = (byte) (0x80 | payload.length);
        System.arraycopy(key, 0, f, 2, 4);
        for (int i = 0; i < payload.length; i++) {
            f[6 + i] = (byte) (payload[i] ^ key[i & 3]);
        }
        return f;
    }
}
