package dev.moat.server.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

import static dev.moat.server.gateway.WsFrames.BINARY;
import static dev.moat.server.gateway.WsFrames.CLOSE;
import static dev.moat.server.gateway.WsFrames.CONTINUATION;
import static dev.moat.server.gateway.WsFrames.MAX_CONTROL_PAYLOAD_BYTES;
import static dev.moat.server.gateway.WsFrames.MAX_HEADER_BYTES;
import static dev.moat.server.gateway.WsFrames.PING;
import static dev.moat.server.gateway.WsFrames.PONG;
import static dev.moat.server.gateway.WsFrames.TEXT;
import static dev.moat.server.gateway.WsProtocolException.MESSAGE_TOO_BIG;
import static dev.moat.server.gateway.WsProtocolException.PROTOCOL_ERROR;

/**
 * Cuts one direction of a WebSocket connection into frames. Feed it the bytes as they arrive; it calls
 * the sink once per complete frame and keeps an incomplete tail (at most one frame's header plus
 * max payload bytes) for the next feed.
 *
 * <p>How it works. With no tail kept, frames are read straight out of the fed buffer: the sink gets slices
 * of it (no copy) for the frame and, when unmasked, for the payload; a masked payload is unmasked in one
 * copy, 8 bytes at a time, into a buffer from the allocator that is released when the sink returns. When
 * the buffer ends inside a frame, that frame's bytes move to a tail buffer from the allocator, which later
 * feeds append to until the frame is whole; the tail only ever holds the start of one frame, so after it
 * is delivered the rest of the feed is read in place again. While the header is incomplete (at most 14
 * bytes) it is re-read on every feed; payload bytes are copied into the tail once, and the tail's capacity
 * doubles (up to the frame's length) so growing it copies each byte O(1) times: linear time, even for
 * one byte per feed.
 *
 * <p>What it refuses, each as a {@link WsProtocolException} as soon as the header shows it: RSV bits (no
 * extension is ever negotiated), reserved opcodes, fragmented or over-125-byte control frames, a mask bit
 * that is not what the direction requires, a 64-bit length with its top bit set (1002), a payload over the
 * limit (1009, before its bytes arrive), a CONTINUATION with no fragmented message open and a TEXT or BINARY
 * while one is open (1002; control frames may come between fragments). It is lenient about one MUST of
 * RFC 6455 5.2: a length written in a longer form than needed (126 in 64 bits, say) is accepted, as Netty
 * and browsers accept it; the length is still bounded by the limit. It neither aggregates messages nor
 * validates UTF-8: its user does.
 *
 * <p>After it throws, the parser is spent: its tail is freed and feed refuses further bytes.
 */
final class WsFrameParser {
    interface Sink {
        /**
         * One complete frame. payload: the payload, unmasked; frame: the whole frame exactly as received
         * (header, mask key, payload still masked when it was). Both are valid only during this call
         * (the parser releases them after it returns): a sink that keeps either must retain it (retainedSlice/retain).
         * The sink may throw WsProtocolException to stop parsing (it propagates out of feed).
         */
        void onFrame(int opcode, boolean fin, ByteBuf payload, ByteBuf frame) throws WsProtocolException;
    }

    private final boolean masked;
    private final int maxPayloadBytes;

    /** Whether a TEXT or BINARY frame with FIN=0 has come and its last fragment not yet. */
    private boolean fragmentOpen;
    /** The start of an incomplete frame (reader index 0), or null. */
    private ByteBuf tail;
    /** The tail's frame length once its header is whole, else -1. */
    private int tailFrameBytes = -1;
    /** Why feed must not be called any more, or null. */
    private String spent;

    // the last header read by readHeader: while a tail is kept, the tail's frame's
    private int opcode;
    private boolean fin;
    private int headerBytes;
    private int payloadBytes;
    private int maskKey;

    /** masked: frames from a client, which must be masked (true), or from a server, which must not be (false). */
    WsFrameParser(boolean masked, int maxPayloadBytes) {
        if (maxPayloadBytes < 0 || maxPayloadBytes > Integer.MAX_VALUE - MAX_HEADER_BYTES) {
            throw new IllegalArgumentException("maxPayloadBytes " + maxPayloadBytes
                    + " is out of range: a frame (header included) must fit a buffer, so 0.." + (Integer.MAX_VALUE - MAX_HEADER_BYTES));
        }
        this.masked = masked;
        this.maxPayloadBytes = maxPayloadBytes;
    }

    /** Parses what in holds after the tail kept from the last call. Always releases in (also when it throws). */
    void feed(ByteBuf in, ByteBufAllocator alloc, Sink sink) throws WsProtocolException {
        boolean ok = false;
        try {
            if (spent != null) {
                throw new IllegalStateException("feed on a spent parser: " + spent);
            }
            if (tail == null || completeTail(in, alloc, sink)) {
                readInPlace(in, alloc, sink);
            }
            ok = true;
        } finally {
            in.release();
            if (!ok && spent == null) {
                freeTail();
                spent = "an earlier feed threw";
            }
        }
    }

    /** Frees the kept tail; feed must not be called afterwards. Idempotent. */
    void release() {
        freeTail();
        if (spent == null) {
            spent = "release() was called";
        }
    }

    /** Delivers the whole frames at the front of in, without copying them, and keeps an incomplete rest as the tail. */
    private void readInPlace(ByteBuf in, ByteBufAllocator alloc, Sink sink) throws WsProtocolException {
        while (in.isReadable()) {
            int start = in.readerIndex();
            int readable = in.readableBytes();
            int header = readHeader(in, start, readable);
            if (header < 0 || readable - header < payloadBytes) {
                keep(in, alloc, header < 0 ? -1 : header + payloadBytes);
                return;
            }
            in.readerIndex(start + header + payloadBytes);
            deliver(in, start, alloc, sink);
        }
    }

    /** Starts a tail with the rest of in (the start of a frame of frameBytes, or -1 when its header is incomplete). */
    private void keep(ByteBuf in, ByteBufAllocator alloc, int frameBytes) {
        int rest = in.readableBytes();
        tail = alloc.buffer(Math.max(MAX_HEADER_BYTES, rest), MAX_HEADER_BYTES + maxPayloadBytes);
        tail.writeBytes(in, rest);
        tailFrameBytes = frameBytes;
    }

    /**
     * Appends to the tail what in holds of its frame; when that makes it whole, delivers it, frees the
     * tail and answers true (in may hold more frames), else false (in is used up).
     */
    private boolean completeTail(ByteBuf in, ByteBufAllocator alloc, Sink sink) throws WsProtocolException {
        if (tailFrameBytes < 0) {
            // the header is incomplete: look at up to 14 bytes more, take only those of this frame
            int had = tail.readableBytes();
            int peeked = Math.min(MAX_HEADER_BYTES - had, in.readableBytes());
            tail.writeBytes(in, in.readerIndex(), peeked);
            int header = readHeader(tail, 0, had + peeked);
            if (header < 0) {
                in.skipBytes(peeked);
                return false;
            }
            tailFrameBytes = header + payloadBytes;
            int taken = Math.min(peeked, tailFrameBytes - had);
            tail.writerIndex(had + taken);
            in.skipBytes(taken);
        }
        int taken = Math.min(tailFrameBytes - tail.readableBytes(), in.readableBytes());
        growTail(tail.writerIndex() + taken);
        tail.writeBytes(in, taken);
        if (tail.readableBytes() < tailFrameBytes) {
            return false;
        }
        try {
            deliver(tail, 0, alloc, sink);
        } finally {
            freeTail();
        }
        return true;
    }

    /** Doubles the tail's capacity (up to its frame's length) until it holds bytes. */
    private void growTail(int bytes) {
        int capacity = tail.capacity();
        if (bytes > capacity) {
            tail.capacity((int) Math.min(tailFrameBytes, Math.max(bytes, 2L * capacity)));
        }
    }

    private void freeTail() {
        if (tail != null) {
            tail.release();
            tail = null;
        }
        tailFrameBytes = -1;
    }

    /** Hands the sink the frame at start of buf, whose header readHeader has just read. */
    private void deliver(ByteBuf buf, int start, ByteBufAllocator alloc, Sink sink) throws WsProtocolException {
        int opcode = this.opcode;
        boolean fin = this.fin;
        int header = headerBytes;
        int length = payloadBytes;
        if (opcode == TEXT || opcode == BINARY || opcode == CONTINUATION) {
            fragmentOpen = !fin;
        }
        ByteBuf frame = buf.slice(start, header + length);
        if (!masked) {
            sink.onFrame(opcode, fin, buf.slice(start + header, length), frame);
            return;
        }
        ByteBuf payload = alloc.buffer(length);
        try {
            WsFrames.mask(buf, start + header, length, maskKey, payload);
            sink.onFrame(opcode, fin, payload, frame);
        } finally {
            payload.release();
        }
    }

    /**
     * Reads and checks the header at index i of b, of which readable bytes are there. Answers its length and
     * sets opcode, fin, headerBytes, payloadBytes and maskKey; or answers -1 when the header is not all there.
     * Throws as soon as the bytes that are there break a rule.
     */
    private int readHeader(ByteBuf b, int i, int readable) throws WsProtocolException {
        int b0 = b.getByte(i) & 0xFF;
        checkFirstByte(b0);
        if (readable < 2) {
            return -1;
        }
        int b1 = b.getByte(i + 1) & 0xFF;
        boolean maskBit = (b1 & 0x80) != 0;
        if (maskBit != masked) {
            throw new WsProtocolException(PROTOCOL_ERROR, masked
                    ? "an unmasked " + WsFrames.name(opcode) + " frame from a client: client frames must be masked (RFC 6455 5.1)"
                    : "a masked " + WsFrames.name(opcode) + " frame from a server: server frames must not be masked (RFC 6455 5.1)");
        }
        int length7 = b1 & 0x7F;
        if (length7 > MAX_CONTROL_PAYLOAD_BYTES && opcode >= CLOSE) {
            throw new WsProtocolException(PROTOCOL_ERROR, "a " + WsFrames.name(opcode)
                    + " frame with a " + (length7 == 126 ? "16" : "64") + "-bit length: control frames carry at most 125 bytes (RFC 6455 5.5)");
        }
        int extended = length7 == 126 ? 2 : length7 == 127 ? 8 : 0;
        long length = length7;
        if (extended != 0) {
            if (readable < 2 + extended) {
                return -1;
            }
            // a longer form than needed (RFC 6455 5.2's "minimal number of bytes") is accepted, as Netty does
            length = extended == 2 ? b.getUnsignedShort(i + 2) : b.getLong(i + 2);
            if (length < 0) {
                throw new WsProtocolException(PROTOCOL_ERROR,
                        "a 64-bit payload length with its most significant bit set (RFC 6455 5.2 requires it to be 0)");
            }
        }
        if (length > maxPayloadBytes) {
            throw new WsProtocolException(MESSAGE_TOO_BIG, "a " + WsFrames.name(opcode) + " frame of " + length
                    + " payload bytes, over the limit of " + maxPayloadBytes);
        }
        int header = 2 + extended + (masked ? 4 : 0);
        if (readable < header) {
            return -1;
        }
        headerBytes = header;
        payloadBytes = (int) length;
        maskKey = masked ? b.getInt(i + 2 + extended) : 0;
        return header;
    }

    /** Checks FIN, RSV1-3 and the opcode against the rules and the fragmentation state; sets opcode and fin. */
    private void checkFirstByte(int b0) throws WsProtocolException {
        fin = (b0 & 0x80) != 0;
        opcode = b0 & 0x0F;
        if ((b0 & 0x70) != 0) {
            throw new WsProtocolException(PROTOCOL_ERROR, "RSV bits 0x" + Integer.toHexString(b0 & 0x70)
                    + " set in a " + WsFrames.name(opcode) + " frame, but no extension was negotiated (RFC 6455 5.2)");
        }
        switch (opcode) {
            case CONTINUATION -> {
                if (!fragmentOpen) {
                    throw new WsProtocolException(PROTOCOL_ERROR,
                            "a CONTINUATION frame with no fragmented message open (RFC 6455 5.4)");
                }
            }
            case TEXT, BINARY -> {
                if (fragmentOpen) {
                    throw new WsProtocolException(PROTOCOL_ERROR, "a " + WsFrames.name(opcode)
                            + " frame while a fragmented message is open: its last fragment (FIN=1) must come first (RFC 6455 5.4)");
                }
            }
            case CLOSE, PING, PONG -> {
                if (!fin) {
                    throw new WsProtocolException(PROTOCOL_ERROR, "a fragmented " + WsFrames.name(opcode)
                            + " frame (FIN=0): control frames must not be fragmented (RFC 6455 5.5)");
                }
            }
            default -> throw new WsProtocolException(PROTOCOL_ERROR,
                    "reserved opcode " + opcode + ": RFC 6455 5.2 reserves 3-7 and 11-15 and no extension defines them");
        }
    }
}
