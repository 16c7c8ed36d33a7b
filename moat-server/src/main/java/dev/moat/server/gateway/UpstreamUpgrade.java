package dev.moat.server.gateway;

import dev.moat.core.Ascii;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.impl.ConnectionBase;

import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The client half of the WebSocket opening handshake (RFC 6455 4.1) on a raw socket to the upstream.
 *
 * <p>How it works: the request head is validated and encoded before anything is written (a CR, LF or NUL in a
 * header would let a client smuggle a second header or request). The response is read through the socket's
 * message handler, one byte at a time through a line assembler ({@link ResponseHead}) that never looks at a
 * byte twice and keeps at most {@link #MAX_HEAD_BYTES}; a refusal's body goes through one of three readers
 * (length, chunked, until close), each keeping at most {@link #MAX_BODY_BYTES}. Everything runs on the
 * socket's context, so the outcome is delivered on it too, and a caller that installs its own message handler
 * in the completion callback misses no byte that arrives after the head.
 *
 * <p>On failure the socket is closed. On {@link Rejected} it is closed only when the body was cut at the cap or
 * ended with the connection; otherwise the caller closes it. While it works this also uses the socket's
 * end and exception handlers, and sets both back to null before completing.
 */
final class UpstreamUpgrade {
    /** The upstream switched protocols. protocol: its Sec-WebSocket-Protocol or null; leftover: bytes that came after the response head (the upstream's first frames, e.g. a Socket.IO server's open packet sent at once) or null; the caller owns and must release it. */
    record Upgraded(String protocol, ByteBuf leftover) {
    }

    /** The upstream answered something other than 101: its status, its headers in order (names as sent), and its body (at most MAX_BODY_BYTES; longer is cut). */
    record Rejected(int status, List<Map.Entry<String, String>> headers, Buffer body) {
    }

    /** Why a handshake failed: a message that names the upstream's mistake (or the silence), for the log. */
    static final class HandshakeFailure extends RuntimeException {
        HandshakeFailure(String message) {
            super(message, null, false, false);
        }

        HandshakeFailure(String message, Throwable cause) {
            super(message, cause, false, false);
        }
    }

    static final int MAX_HEAD_BYTES = 64 * 1024;
    static final int MAX_BODY_BYTES = 64 * 1024;
    /** Size lines, extensions, CRLFs and trailers of a chunked body: past this the body is cut like an oversized one. */
    static final int MAX_CHUNK_FRAMING_BYTES = 64 * 1024;

    private static final SecureRandom RANDOM = new SecureRandom();
    /** Headers this class writes itself, or that would change how the upstream frames the request. */
    private static final Set<String> OWN_HEADERS = Set.of("host", "upgrade", "connection", "sec-websocket-key",
            "sec-websocket-version", "sec-websocket-extensions", "sec-websocket-accept", "content-length",
            "transfer-encoding");

    private UpstreamUpgrade() {
    }

    /**
     * Writes a GET upgrade request for uri on socket with the given extra headers (in order; the caller has already
     * removed hop-by-hop and handshake headers; this adds Host (hostHeader), Upgrade: websocket, Connection: Upgrade,
     * Sec-WebSocket-Key (16 random bytes, base64), Sec-WebSocket-Version: 13), then reads the response head.
     * Completes with Upgraded (101 whose Upgrade is websocket, Connection contains upgrade, and
     * Sec-WebSocket-Accept matches the key; Sec-WebSocket-Extensions in a 101 fails it, since none was offered),
     * with Rejected (any other status, after reading its body: Content-Length, chunked, or until the upstream
     * closes, each capped), or fails (a malformed or oversized head, a 101 that does not validate, the socket
     * closing before a head, or no complete answer within timeoutMillis — then it closes the socket). Runs on the
     * socket's context. Sets the socket's messageHandler while it works and sets it back to null before completing,
     * so the caller installs its own handler after.
     *
     * <p>Also: a header named Sec-WebSocket-Protocol among headers is the offer; a 101 that names a protocol not
     * offered fails (RFC 6455 4.1). A header among those this writes itself (Host, Upgrade, Connection,
     * Sec-WebSocket-Key/Version/Extensions/Accept, Content-Length, Transfer-Encoding), a name that is not a token,
     * a CR, LF or NUL in a name, value, hostHeader or uri, or a character above U+00FF, fails at once with an
     * IllegalArgumentException and leaves the socket untouched. Failures are {@link HandshakeFailure}s.
     */
    static Future<Object> start(Vertx vertx, NetSocketInternal socket, String hostHeader, String uri,
                                List<Map.Entry<String, String>> headers, long timeoutMillis) {
        String key = newKey();
        ByteBuf request;
        try {
            if (timeoutMillis <= 0) {
                throw new IllegalArgumentException("timeoutMillis must be positive, was " + timeoutMillis);
            }
            request = requestHead(hostHeader, uri, headers, key);
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
        }
        // Every NetSocketInternal Vert.x makes is a ConnectionBase; its context is the one its handlers run on.
        ContextInternal ctx = ((ConnectionBase) socket).context();
        Exchange exchange = new Exchange(vertx, socket, ctx.promise(), WsFrames.accept(key), offeredProtocols(headers));
        ctx.emit(v -> exchange.begin(request, timeoutMillis));
        return exchange.promise.future();
    }

    private static String newKey() {
        byte[] nonce = new byte[16];
        RANDOM.nextBytes(nonce);
        return Base64.getEncoder().encodeToString(nonce);
    }

    private static ByteBuf requestHead(String hostHeader, String uri, List<Map.Entry<String, String>> headers,
                                       String key) {
        requireText("the request URI", uri, true);
        if (uri.isEmpty()) {
            throw new IllegalArgumentException("the request URI is empty");
        }
        requireText("the Host header", hostHeader, false);
        StringBuilder head = new StringBuilder(256);
        head.append("GET ").append(uri).append(" HTTP/1.1\r\nHost: ").append(hostHeader).append("\r\n");
        for (Map.Entry<String, String> h : headers) {
            String name = h.getKey();
            String value = h.getValue();
            if (name == null || value == null) {
                throw new IllegalArgumentException("header " + name + " has no " + (name == null ? "name" : "value"));
            }
            if (!isToken(name)) {
                throw new IllegalArgumentException("header name " + printable(name) + " is not an HTTP token");
            }
            if (OWN_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                throw new IllegalArgumentException("header " + name + " is written by the handshake itself");
            }
            requireText("header " + name, value, false);
            head.append(name).append(": ").append(value).append("\r\n");
        }
        head.append("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ").append(key)
                .append("\r\nSec-WebSocket-Version: 13\r\n\r\n");
        return Unpooled.copiedBuffer(head, StandardCharsets.ISO_8859_1);
    }

    /** Refuses null, CR, LF, NUL (request smuggling), characters ISO-8859-1 cannot carry, and SP where it would split a request line. */
    private static void requireText(String what, String text, boolean noSpace) {
        if (text == null) {
            throw new IllegalArgumentException(what + " is missing");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\r' || c == '\n' || c == 0) {
                throw new IllegalArgumentException(what + " contains " + (c == 0 ? "NUL" : c == '\r' ? "CR" : "LF")
                        + " at index " + i + ", which would end the header early");
            }
            if (c > 0xff) {
                throw new IllegalArgumentException(what + " contains U+" + Integer.toHexString(c).toUpperCase(Locale.ROOT)
                        + " at index " + i + ", which an HTTP/1.1 header cannot carry");
            }
            if (noSpace && (c == ' ' || c == '\t')) {
                throw new IllegalArgumentException(what + " contains whitespace at index " + i
                        + ", which would split the request line");
            }
        }
    }

    private static List<String> offeredProtocols(List<Map.Entry<String, String>> headers) {
        List<String> offered = new ArrayList<>();
        for (Map.Entry<String, String> h : headers) {
            if ("sec-websocket-protocol".equalsIgnoreCase(h.getKey()) && h.getValue() != null) {
                for (String p : h.getValue().split(",")) {
                    if (!p.isBlank()) {
                        offered.add(p.trim());
                    }
                }
            }
        }
        return offered;
    }

    static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!Ascii.isTokenChar(c)) {
                return false;
            }
        }
        return true;
    }

    /** The upstream's text for an error message: cut short, control and non-ASCII characters escaped. */
    static String printable(String s) {
        StringBuilder out = new StringBuilder(Math.min(s.length(), 80) + 2).append('"');
        for (int i = 0; i < s.length() && i < 80; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
                out.append(c);
            } else {
                out.append(String.format("\\x%02x", (int) c & 0xff));
            }
        }
        if (s.length() > 80) {
            out.append("...");
        }
        return out.append('"').toString();
    }

    /** One handshake in progress: its state lives on the socket's context only. */
    private static final class Exchange {
        private final Vertx vertx;
        private final NetSocketInternal socket;
        private final Promise<Object> promise;
        private final String accept;
        private final List<String> offeredProtocols;
        private ResponseHead head = new ResponseHead(MAX_HEAD_BYTES);
        private int headBudget = MAX_HEAD_BYTES;
        private BodyReader body;
        private int rejectedStatus;
        private List<Map.Entry<String, String>> rejectedHeaders;
        private long timerId = -1;
        private boolean done;

        Exchange(Vertx vertx, NetSocketInternal socket, Promise<Object> promise, String accept,
                 List<String> offeredProtocols) {
            this.vertx = vertx;
            this.socket = socket;
            this.promise = promise;
            this.accept = accept;
            this.offeredProtocols = offeredProtocols;
        }

        void begin(ByteBuf request, long timeoutMillis) {
            timerId = vertx.setTimer(timeoutMillis, id -> fail(new HandshakeFailure(
                    "the upstream gave no complete answer to the WebSocket upgrade within " + timeoutMillis + " ms")));
            socket.messageHandler(this::onMessage);
            socket.endHandler(v -> onEnd());
            socket.exceptionHandler(e -> fail(new HandshakeFailure(
                    "the upstream connection failed during the WebSocket upgrade: " + e, e)));
            socket.writeMessage(request).onFailure(e -> fail(writeFailure(e)));
        }

        /** Why the request could not be written; a close says so (Netty and Vert.x each word it their own way). */
        private HandshakeFailure writeFailure(Throwable e) {
            if (e instanceof ClosedChannelException || !socket.channelHandlerContext().channel().isOpen()) {
                return new HandshakeFailure("the upstream closed the connection before the WebSocket upgrade request"
                        + " was written", e);
            }
            return new HandshakeFailure("could not write the WebSocket upgrade request to the upstream: " + e, e);
        }

        private void onMessage(Object message) {
            if (!(message instanceof ByteBuf buf)) {
                ReferenceCountUtil.release(message);
                return;
            }
            try {
                if (!done) {
                    consume(buf);
                }
            } catch (HandshakeFailure e) {
                fail(e);
            } finally {
                buf.release();
            }
        }

        private void consume(ByteBuf buf) {
            int i = buf.readerIndex();
            int end = buf.writerIndex();
            while (!done && (i < end || body != null && body.complete())) {
                if (body != null) {
                    i = body.feed(buf, i, end);
                    if (body.complete()) {
                        finishRejected(body.cut());
                    }
                    continue;
                }
                int after = head.feed(buf, i, end);
                if (after < 0) {
                    return;
                }
                i = after;
                int status = head.status();
                if (status == 101) {
                    String protocol = validateSwitch(head.headers());
                    succeed(new Upgraded(protocol, i < end ? buf.retainedSlice(i, end - i) : null));
                } else if (status < 200) {
                    headBudget -= head.bytesRead();
                    head = new ResponseHead(headBudget);
                } else {
                    rejectedStatus = status;
                    rejectedHeaders = Collections.unmodifiableList(head.headers());
                    body = BodyReader.forResponse(status, rejectedHeaders);
                }
            }
        }

        private String validateSwitch(List<Map.Entry<String, String>> headers) {
            boolean upgrade = false;
            boolean connection = false;
            String gotAccept = null;
            String protocol = null;
            for (Map.Entry<String, String> h : headers) {
                String name = h.getKey().toLowerCase(Locale.ROOT);
                String value = h.getValue();
                switch (name) {
                    case "upgrade" -> {
                        if (!value.equalsIgnoreCase("websocket")) {
                            throw new HandshakeFailure("the upstream switched protocols to Upgrade: "
                                    + printable(value) + ", not websocket");
                        }
                        upgrade = true;
                    }
                    case "connection" -> connection |= hasToken(value, "upgrade");
                    case "sec-websocket-accept" -> {
                        if (gotAccept != null) {
                            throw new HandshakeFailure("the upstream's 101 has more than one Sec-WebSocket-Accept");
                        }
                        gotAccept = value;
                    }
                    case "sec-websocket-extensions" -> throw new HandshakeFailure(
                            "the upstream's 101 names Sec-WebSocket-Extensions " + printable(value)
                                    + " though none was offered");
                    case "sec-websocket-protocol" -> {
                        if (protocol != null) {
                            throw new HandshakeFailure("the upstream's 101 has more than one Sec-WebSocket-Protocol");
                        }
                        if (!offeredProtocols.contains(value)) {
                            throw new HandshakeFailure("the upstream's 101 chose Sec-WebSocket-Protocol "
                                    + printable(value) + ", which was not offered (offered: " + offeredProtocols + ")");
                        }
                        protocol = value;
                    }
                    default -> {
                    }
                }
            }
            if (!upgrade) {
                throw new HandshakeFailure("the upstream's 101 has no Upgrade: websocket");
            }
            if (!connection) {
                throw new HandshakeFailure("the upstream's 101 has no Connection: upgrade");
            }
            if (gotAccept == null) {
                throw new HandshakeFailure("the upstream's 101 has no Sec-WebSocket-Accept");
            }
            if (!gotAccept.equals(accept)) {
                throw new HandshakeFailure("the upstream's 101 has Sec-WebSocket-Accept " + printable(gotAccept)
                        + " where the key calls for " + accept);
            }
            return protocol;
        }

        private static boolean hasToken(String list, String token) {
            for (String t : list.split(",")) {
                if (t.trim().equalsIgnoreCase(token)) {
                    return true;
                }
            }
            return false;
        }

        private void onEnd() {
            if (done) {
                return;
            }
            if (body == null) {
                fail(new HandshakeFailure("the upstream closed the connection before a complete response head ("
                        + head.bytesRead() + " bytes of it received)"));
            } else if (body.endsAtClose()) {
                finishRejected(false);
            } else {
                fail(new HandshakeFailure("the upstream closed the connection in the middle of its " + rejectedStatus
                        + " response's body (" + body.body().length() + " bytes received)"));
            }
        }

        /** cut: the body was longer than the cap, so the rest is left unread and the connection closed. */
        private void finishRejected(boolean cut) {
            Rejected rejected = new Rejected(rejectedStatus, rejectedHeaders, body.body());
            boolean close = cut || body.endsAtClose();
            succeed(rejected);
            if (close) {
                socket.close();
            }
        }

        private void succeed(Object outcome) {
            done = true;
            release();
            promise.complete(outcome);
        }

        private void fail(Throwable cause) {
            if (done) {
                return;
            }
            done = true;
            release();
            socket.close();
            promise.fail(cause);
        }

        private void release() {
            vertx.cancelTimer(timerId);
            socket.messageHandler(null);
            socket.endHandler(null);
            socket.exceptionHandler(null);
        }
    }

}
