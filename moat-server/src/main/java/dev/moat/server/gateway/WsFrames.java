package dev.moat.server.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.CharBuffer;
import java.nio.charset.CharsetEncoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/**
 * RFC 6455 opcodes and frame encoding: server frames (unmasked), client frames (masked), close frame
 * payloads and the handshake's Sec-WebSocket-Accept.
 *
 * <p>A frame is a 2-byte header (FIN, RSV1-3, opcode; MASK bit, 7-bit length), then the length again in
 * 16 bits when it is 126..65535 or in 64 bits above that, then the 4-byte mask key when masked, then
 * the payload, XORed with the key bytes in turn when masked (RFC 6455 5.2-5.3).
 */
final class WsFrames {
    static final int CONTINUATION = 0, TEXT = 1, BINARY = 2, CLOSE = 8, PING = 9, PONG = 10;

    /** The longest header: 2 bytes, a 64-bit length, a mask key. */
    static final int MAX_HEADER_BYTES = 14;
    /** RFC 6455 5.5: a control frame's payload is at most 125 bytes. */
    static final int MAX_CONTROL_PAYLOAD_BYTES = 125;

    private static final String ACCEPT_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    private WsFrames() {
    }

    /** A server-to-client frame: unmasked. Does not consume payload (reads its readable bytes, leaves its indexes alone). */
    static ByteBuf server(ByteBufAllocator alloc, int opcode, boolean fin, ByteBuf payload) {
        int length = payload.readableBytes();
        ByteBuf out = header(alloc, opcode, fin, length, false);
        out.writeBytes(payload, payload.readerIndex(), length);
        return out;
    }

    /** A server-to-client frame: unmasked. */
    static ByteBuf server(ByteBufAllocator alloc, int opcode, boolean fin, byte[] payload) {
        return server(alloc, opcode, fin, Unpooled.wrappedBuffer(payload));
    }

    /**
     * A client-to-server frame, masked with a fresh random key. ThreadLocalRandom is not a strong source:
     * RFC 6455 10.3 asks for unpredictable keys so that a script in a browser cannot choose the bytes on the
     * wire and poison an intermediary's cache; a server-side relay runs no such scripts and its payloads
     * come from elsewhere, so that attack does not apply here.
     */
    static ByteBuf client(ByteBufAllocator alloc, int opcode, boolean fin, byte[] payload) {
        // masked in a plain array, eight bytes at a time, then copied into the buffer in one go:
        // cheaper than a ByteBuf write per eight bytes, each with its bounds and liveness checks
        int length = payload.length;
        ByteBuf out = header(alloc, opcode, fin, length, true);
        int key = ThreadLocalRandom.current().nextInt();
        out.writeInt(key);
        byte[] masked = new byte[length];
        long key8 = (key & 0xFFFFFFFFL) << 32 | (key & 0xFFFFFFFFL);
        int i = 0;
        for (int end8 = length & ~7; i < end8; i += 8) {
            LONGS.set(masked, i, (long) LONGS.get(payload, i) ^ key8);
        }
        for (; i < length; i++) {
            masked[i] = (byte) (payload[i] ^ (key >>> (24 - 8 * (i & 3))));
        }
        out.writeBytes(masked);
        return out;
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    /** A client-to-server frame, masked with a fresh random key. Does not consume payload. */
    static ByteBuf client(ByteBufAllocator alloc, int opcode, boolean fin, ByteBuf payload) {
        int length = payload.readableBytes();
        ByteBuf out = header(alloc, opcode, fin, length, true);
        int key = ThreadLocalRandom.current().nextInt();
        out.writeInt(key);
        mask(payload, payload.readerIndex(), length, key, out);
        return out;
    }

    /**
     * Writes length bytes of src from srcIndex, XORed with the mask key (its big-endian bytes in turn,
     * starting with the first), to dst. Masking and unmasking are the same operation.
     */
    static void mask(ByteBuf src, int srcIndex, int length, int key, ByteBuf dst) {
        dst.ensureWritable(length);
        long key8 = (key & 0xFFFFFFFFL) << 32 | (key & 0xFFFFFFFFL);
        int i = 0;
        for (int end8 = length & ~7; i < end8; i += 8) {
            dst.writeLong(src.getLong(srcIndex + i) ^ key8);
        }
        for (; i < length; i++) {
            dst.writeByte(src.getByte(srcIndex + i) ^ (key >>> (24 - 8 * (i & 3))));
        }
    }

    /** A header for a payload of length bytes, in a buffer with room for the key and the payload. */
    private static ByteBuf header(ByteBufAllocator alloc, int opcode, boolean fin, int length, boolean masked) {
        checkFrame(opcode, fin, length);
        int extended = length < 126 ? 0 : length <= 0xFFFF ? 2 : 8;
        ByteBuf out = alloc.buffer(2 + extended + (masked ? 4 : 0) + length);
        out.writeByte((fin ? 0x80 : 0) | opcode);
        int maskBit = masked ? 0x80 : 0;
        if (extended == 0) {
            out.writeByte(maskBit | length);
        } else if (extended == 2) {
            out.writeByte(maskBit | 126);
            out.writeShort(length);
        } else {
            out.writeByte(maskBit | 127);
            out.writeLong(length);
        }
        return out;
    }

    private static void checkFrame(int opcode, boolean fin, int length) {
        if (!isData(opcode) && !isControl(opcode)) {
            throw new IllegalArgumentException("opcode " + opcode + " is reserved by RFC 6455 5.2 (known: 0-2, 8-10)");
        }
        if (isControl(opcode) && !fin) {
            throw new IllegalArgumentException("a " + name(opcode) + " frame cannot be fragmented (RFC 6455 5.5): fin must be true");
        }
        if (isControl(opcode) && length > MAX_CONTROL_PAYLOAD_BYTES) {
            throw new IllegalArgumentException("a " + name(opcode) + " frame of " + length
                    + " payload bytes: control frames carry at most 125 (RFC 6455 5.5)");
        }
    }

    /** CONTINUATION, TEXT or BINARY. */
    static boolean isData(int opcode) {
        return opcode == CONTINUATION || opcode == TEXT || opcode == BINARY;
    }

    /** CLOSE, PING or PONG. */
    static boolean isControl(int opcode) {
        return opcode == CLOSE || opcode == PING || opcode == PONG;
    }

    /** The opcode's name for messages ("TEXT"), or "reserved opcode N". */
    static String name(int opcode) {
        return switch (opcode) {
            case CONTINUATION -> "CONTINUATION";
            case TEXT -> "TEXT";
            case BINARY -> "BINARY";
            case CLOSE -> "CLOSE";
            case PING -> "PING";
            case PONG -> "PONG";
            default -> "reserved opcode " + opcode;
        };
    }

    /**
     * A close frame's payload: the 2-byte code then the reason in UTF-8, cut at a character boundary so the
     * whole payload is at most 125 bytes (unpaired surrogates in the reason become '?'). code &lt; 0: empty payload.
     */
    static byte[] closePayload(int code, String reason) {
        if (code < 0) {
            return new byte[0];
        }
        if (code > 0xFFFF) {
            throw new IllegalArgumentException("close code " + code + " does not fit the 2 bytes RFC 6455 5.5.1 gives it");
        }
        ByteBuffer out = ByteBuffer.allocate(MAX_CONTROL_PAYLOAD_BYTES);
        out.putShort((short) code);
        if (reason != null && !reason.isEmpty()) {
            CharsetEncoder utf8 = StandardCharsets.UTF_8.newEncoder()
                    .onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE);
            // stops with OVERFLOW before a character that does not fit whole, so the cut is at a boundary
            utf8.encode(CharBuffer.wrap(reason), out, true);
        }
        byte[] payload = new byte[out.position()];
        out.flip().get(payload);
        return payload;
    }

    /** The close code of a close frame's payload, or -1 when it has none (fewer than 2 readable bytes). Does not consume. */
    static int closeCode(ByteBuf payload) {
        return payload.readableBytes() < 2 ? -1 : payload.getUnsignedShort(payload.readerIndex());
    }

    /** The reason (UTF-8 after the code; malformed bytes decode as U+FFFD) or "". Does not consume. */
    static String closeReason(ByteBuf payload) {
        int length = payload.readableBytes();
        return length <= 2 ? "" : payload.toString(payload.readerIndex() + 2, length - 2, StandardCharsets.UTF_8);
    }

    /** Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 4.2.2: base64 of the SHA-1 of key + the RFC's GUID). */
    static String accept(String key) {
        try {
            byte[] sha1 = MessageDigest.getInstance("SHA-1").digest((key + ACCEPT_GUID).getBytes(StandardCharsets.US_ASCII));
            return Base64.getEncoder().encodeToString(sha1);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-1, which every Java SE platform must provide", e);
        }
    }
}
