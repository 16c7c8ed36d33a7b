package dev.moat.server.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

import static dev.moat.server.gateway.WsFrames.BINARY;
import static dev.moat.server.gateway.WsFrames.CLOSE;
import static dev.moat.server.gateway.WsFrames.PING;
import static dev.moat.server.gateway.WsFrames.TEXT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Frame encoding details, close payloads and the handshake's accept value. */
class WsFramesTest {
    private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

    private static byte[] bytes(ByteBuf b) {
        try {
            return ByteBufUtil.getBytes(b);
        } finally {
            b.release();
        }
    }

    @Test
    void acceptIsTheRfcExample() {
        // RFC 6455 1.3 and 4.2.2
        assertThat(WsFrames.accept("dGhlIHNhbXBsZSBub25jZQ==")).isEqualTo("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    @Test
    void lengthsUseTheShortestForm() {
        assertThat(bytes(WsFrames.server(ALLOC, TEXT, true, new byte[125]))).startsWith(0x81, 125).hasSize(2 + 125);
        assertThat(bytes(WsFrames.server(ALLOC, BINARY, false, new byte[126]))).startsWith(0x02, 126, 0, 126).hasSize(4 + 126);
        assertThat(bytes(WsFrames.server(ALLOC, BINARY, true, new byte[65535]))).startsWith(0x82, 126, 0xFF, 0xFF);
        assertThat(bytes(WsFrames.server(ALLOC, BINARY, true, new byte[65536]))).startsWith(0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0);
    }

    @Test
    void clientFramesAreMaskedWithTheirKey() {
        byte[] payload = "Hello, masked world".getBytes(StandardCharsets.US_ASCII);
        byte[] frame = bytes(WsFrames.client(ALLOC, TEXT, true, payload));
        assertThat(frame[0] & 0xFF).isEqualTo(0x81);
        assertThat(frame[1] & 0xFF).isEqualTo(0x80 | payload.length);
        assertThat(frame).hasSize(2 + 4 + payload.length);
        for (int i = 0; i < payload.length; i++) {
            assertThat((byte) (frame[6 + i] ^ frame[2 + (i & 3)])).isEqualTo(payload[i]);
        }
    }

    @Test
    void encodingDoesNotConsumeThePayload() {
        ByteBuf payload = Unpooled.copiedBuffer("xxabc", StandardCharsets.US_ASCII).skipBytes(2);
        assertThat(bytes(WsFrames.server(ALLOC, BINARY, true, payload))).containsExactly(0x82, 3, 'a', 'b', 'c');
        assertThat(bytes(WsFrames.client(ALLOC, BINARY, true, payload))).hasSize(2 + 4 + 3);
        assertThat(payload.readerIndex()).isEqualTo(2);
        assertThat(payload.writerIndex()).isEqualTo(5);
        payload.release();
    }

    @Test
    void invalidFramesAreRefusedWithTheReason() {
        assertThatThrownBy(() -> WsFrames.server(ALLOC, 3, true, new byte[0])).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("reserved");
        assertThatThrownBy(() -> WsFrames.client(ALLOC, PING, false, new byte[0])).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("fragmented");
        assertThatThrownBy(() -> WsFrames.server(ALLOC, CLOSE, true, new byte[126])).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at most 125");
    }

    @Test
    void closePayloadReadsBack() {
        ByteBuf payload = Unpooled.wrappedBuffer(WsFrames.closePayload(4003, "banned: spam"));
        assertThat(WsFrames.closeCode(payload)).isEqualTo(4003);
        assertThat(WsFrames.closeReason(payload)).isEqualTo("banned: spam");
        assertThat(WsFrames.closePayload(1000, "")).containsExactly(0x03, 0xE8);
        assertThat(WsFrames.closePayload(1000, null)).containsExactly(0x03, 0xE8);
        assertThat(WsFrames.closePayload(-1, "ignored")).isEmpty();
        ByteBuf empty = Unpooled.EMPTY_BUFFER;
        assertThat(WsFrames.closeCode(empty)).isEqualTo(-1);
        assertThat(WsFrames.closeReason(empty)).isEmpty();
        assertThatThrownBy(() -> WsFrames.closePayload(70000, "")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("70000");
    }

    @Test
    void closePayloadCutsALongReasonAtACharacterBoundary() throws CharacterCodingException {
        for (String ch : new String[] {"é", "€", "\uD83D\uDE00", "a"}) {
            String reason = ch.repeat(200);
            byte[] payload = WsFrames.closePayload(1008, reason);
            assertThat(payload.length).as("with %s", ch).isLessThanOrEqualTo(125).isGreaterThan(125 - 4);
            String back = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(payload, 2, payload.length - 2)).toString();
            assertThat(reason).startsWith(back);
            assertThat(WsFrames.closeReason(Unpooled.wrappedBuffer(payload))).isEqualTo(back);
            assertThat(WsFrames.closeCode(Unpooled.wrappedBuffer(payload))).isEqualTo(1008);
        }
    }
}
