package dev.moat.server.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.vertx.core.buffer.Buffer;

import java.util.List;
import java.util.Map;

/** The body of a refusal, read as its head says, kept up to {@link UpstreamUpgrade#MAX_BODY_BYTES}. */
abstract class BodyReader {
    private final Buffer body = Buffer.buffer();
    private boolean cut;

    /** Picks the reader RFC 9112 6.3 calls for: none for 204/304, chunked, Content-Length, or until close. */
    static BodyReader forResponse(int status, List<Map.Entry<String, String>> headers) {
        if (status == 204 || status == 304) {
            return new LengthBody(0);
        }
        String transferEncoding = null;
        long contentLength = -1;
        for (Map.Entry<String, String> h : headers) {
            if (h.getKey().equalsIgnoreCase("transfer-encoding")) {
                transferEncoding = h.getValue();
            } else if (h.getKey().equalsIgnoreCase("content-length")) {
                long length = contentLength(h.getValue());
                if (contentLength >= 0 && contentLength != length) {
                    throw new UpstreamUpgrade.HandshakeFailure("the upstream's response has conflicting Content-Length values "
                            + contentLength + " and " + length);
                }
                contentLength = length;
            }
        }
        if (transferEncoding != null) {
            String[] codings = transferEncoding.split(",");
            boolean chunked = codings[codings.length - 1].trim().equalsIgnoreCase("chunked");
            return chunked ? new ChunkedBody() : new UntilCloseBody();
        }
        return contentLength >= 0 ? new LengthBody(contentLength) : new UntilCloseBody();
    }

    private static long contentLength(String value) {
        if (value.isEmpty() || value.length() > 18) {
            throw new UpstreamUpgrade.HandshakeFailure("the upstream's Content-Length " + UpstreamUpgrade.printable(value) + " is not a length");
        }
        long length = 0;
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                throw new UpstreamUpgrade.HandshakeFailure("the upstream's Content-Length " + UpstreamUpgrade.printable(value) + " is not a length");
            }
            length = length * 10 + (c - '0');
        }
        return length;
    }

    /** Reads from bytes [from, to) of buf what belongs to the body; returns the index after the last one used. */
    abstract int feed(ByteBuf buf, int from, int to);

    /** Whether the body is all read (or cut). */
    abstract boolean complete();

    /** Whether the upstream closing the connection is how this body ends. */
    boolean endsAtClose() {
        return false;
    }

    final Buffer body() {
        return body;
    }

    final boolean cut() {
        return cut;
    }

    /** Keeps up to the cap of n bytes of buf at from; past the cap, marks the body cut. */
    final void keep(ByteBuf buf, int from, int n) {
        int room = UpstreamUpgrade.MAX_BODY_BYTES - body.length();
        if (n > room) {
            cut = true;
            n = room;
        }
        if (n > 0) {
            body.appendBytes(ByteBufUtil.getBytes(buf, from, n));
        }
    }

    final void cutShort() {
        cut = true;
    }

    private static final class LengthBody extends BodyReader {
        private long remaining;

        LengthBody(long length) {
            this.remaining = length;
        }

        @Override
        int feed(ByteBuf buf, int from, int to) {
            int n = (int) Math.min(remaining, to - from);
            keep(buf, from, n);
            remaining -= n;
            return from + n;
        }

        @Override
        boolean complete() {
            return remaining == 0 || cut();
        }
    }

    private static final class UntilCloseBody extends BodyReader {
        @Override
        int feed(ByteBuf buf, int from, int to) {
            keep(buf, from, to - from);
            return to;
        }

        @Override
        boolean complete() {
            return cut();
        }

        @Override
        boolean endsAtClose() {
            return true;
        }
    }

    /**
     * A chunked body (RFC 9112 7.1) as a state machine over bytes: size line (hex, then extensions, which are
     * skipped), data, CRLF, and after the zero-size chunk the trailers, skipped up to the blank line. Only the data
     * is kept; the framing around it is counted against {@link UpstreamUpgrade#MAX_CHUNK_FRAMING_BYTES}.
     */
    private static final class ChunkedBody extends BodyReader {
        private enum State { SIZE, EXTENSION, SIZE_LF, DATA, DATA_CR, DATA_LF, TRAILER_START, TRAILER, TRAILER_LF, LAST_LF, DONE }

        private State state = State.SIZE;
        private long size;
        private int sizeDigits;
        private long remaining;
        private int framingBytes;

        @Override
        int feed(ByteBuf buf, int from, int to) {
            int i = from;
            while (i < to && !complete()) {
                if (state == State.DATA) {
                    int n = (int) Math.min(remaining, to - i);
                    keep(buf, i, n);
                    i += n;
                    remaining -= n;
                    if (remaining == 0) {
                        state = State.DATA_CR;
                    }
                    continue;
                }
                if (++framingBytes > UpstreamUpgrade.MAX_CHUNK_FRAMING_BYTES) {
                    cutShort();
                    break;
                }
                step(buf.getByte(i++));
            }
            return i;
        }

        private void step(byte b) {
            switch (state) {
                case SIZE -> {
                    int digit = Character.digit(b, 16);
                    if (digit >= 0) {
                        if (++sizeDigits > 15) {
                            throw new UpstreamUpgrade.HandshakeFailure("the upstream's chunk size has more than 15 hex digits");
                        }
                        size = size * 16 + digit;
                    } else if (sizeDigits == 0) {
                        throw new UpstreamUpgrade.HandshakeFailure("the upstream's chunk size line does not start with a hex digit but "
                                + UpstreamUpgrade.printable(String.valueOf((char) (b & 0xff))));
                    } else if (b == ';' || b == ' ' || b == '\t') {
                        state = State.EXTENSION;
                    } else {
                        endOfSizeLine(b);
                    }
                }
                case EXTENSION -> {
                    if (b == '\r' || b == '\n') {
                        endOfSizeLine(b);
                    } else if (b == 0) {
                        throw new UpstreamUpgrade.HandshakeFailure("the upstream's chunk extension contains a NUL byte");
                    }
                }
                case SIZE_LF -> {
                    requireLf(b, "chunk size line");
                    startChunk();
                }
                case DATA_CR -> {
                    if (b == '\r') {
                        state = State.DATA_LF;
                    } else {
                        requireLf(b, "chunk data");
                        state = State.SIZE;
                    }
                }
                case DATA_LF -> {
                    requireLf(b, "chunk data");
                    state = State.SIZE;
                }
                case TRAILER_START -> state = b == '\r' ? State.LAST_LF : b == '\n' ? State.DONE : State.TRAILER;
                case TRAILER -> {
                    if (b == '\r') {
                        state = State.TRAILER_LF;
                    } else if (b == '\n') {
                        state = State.TRAILER_START;
                    }
                }
                case TRAILER_LF -> {
                    requireLf(b, "trailer line");
                    state = State.TRAILER_START;
                }
                case LAST_LF -> {
                    requireLf(b, "chunked body");
                    state = State.DONE;
                }
                default -> throw new IllegalStateException("no byte is read in state " + state);
            }
        }

        private void endOfSizeLine(byte b) {
            if (b == '\r') {
                state = State.SIZE_LF;
            } else if (b == '\n') {
                startChunk();
            } else {
                throw new UpstreamUpgrade.HandshakeFailure("the upstream's chunk size line has "
                        + UpstreamUpgrade.printable(String.valueOf((char) (b & 0xff))) + " after its size");
            }
        }

        private void startChunk() {
            remaining = size;
            size = 0;
            sizeDigits = 0;
            state = remaining == 0 ? State.TRAILER_START : State.DATA;
        }

        private static void requireLf(byte b, String where) {
            if (b != '\n') {
                throw new UpstreamUpgrade.HandshakeFailure("the upstream's " + where + " is not followed by CRLF");
            }
        }

        @Override
        boolean complete() {
            return state == State.DONE || cut();
        }
    }
}
