package dev.moat.server.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.WriteBufferWaterMark;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * One side of a relayed WebSocket, spoken by the gateway itself on a raw socket (RFC 6455 framing
 * by {@link WsFrameParser} and {@link WsFrames}, the handshake done by {@link WsGate} and
 * {@link UpstreamUpgrade}).
 *
 * <p>Why not Vert.x's WebSocket. A relay reads a frame on one socket and writes it on the other;
 * Vert.x's WebSocket layer (frame objects, message aggregation, a heap copy of every read, text
 * decoded and encoded again, an inbound and an outbound queue per socket) cost more than half of
 * the gateway's CPU per relayed message, more than the two sockets' system calls. Here a frame the
 * upstream sends whole goes to the client as the bytes that were read ({@link #frameHandler}), and
 * a client's text message is decoded once, for the checks.
 *
 * <p>Two roles. {@link #server}: the gateway is the server, the peer a client whose frames are
 * masked; whole messages are put together here (at most {@code maxMessageBytes}) and handed to
 * {@link #messageHandler}; text must be UTF-8 (else 1007). {@link #client}:
 * the gateway is the client of the upstream; data frames are handed over one by one. Both answer
 * a ping with a pong, and a close frame with a close frame, then close the connection. Every
 * method runs on the socket's event loop.
 */
final class RawWebSocket {
    private static final Logger LOG = LoggerFactory.getLogger(RawWebSocket.class);
    /** How long a close handshake this side started may wait for the peer's close frame. */
    static final long CLOSING_TIMEOUT_MILLIS = 5_000;

    /** A data frame of the upstream: {@code frame} is its bytes as read, valid during the call. */
    interface FrameHandler {
        void handle(int opcode, boolean fin, ByteBuf payload, ByteBuf frame);
    }

    /**
     * A whole message of the client: {@code content} is its text ({@code String}) or its bytes
     * ({@code Buffer}); {@code payload} the bytes as received, unmasked, so that a message relayed
     * unchanged is framed again from them rather than from its text encoded anew.
     */
    record Message(Object content, int opcode, byte[] payload) {
    }

    /** A violation of the protocol by the peer: the close code to answer with, and why. */
    interface ErrorHandler {
        void handle(short code, String reason);
    }

    private final Vertx vertx;
    private final NetSocketInternal socket;
    private final ChannelHandlerContext ctx;
    private final ByteBufAllocator alloc;
    private final boolean serverSide;
    private final WsFrameParser parser;
    private final int maxMessageBytes;
    private ByteBuf leftover;

    private Handler<Message> messageHandler = m -> { };
    private FrameHandler frameHandler = (o, f, p, fr) -> { };
    private Handler<Void> pongHandler = v -> { };
    private Handler<Void> drainHandler = v -> { };
    private Handler<Void> closeHandler = v -> { };
    private ErrorHandler errorHandler = (c, r) -> { };

    /** The fragments of a client message so far, and its opcode (server side). */
    private ByteBuf fragments;
    private int fragmentsOpcode;

    private boolean failed;
    private boolean closeSent;
    private boolean closeReceived;
    private boolean tcpClosed;
    private Short closeStatusCode;
    private String closeReason;

    private RawWebSocket(Vertx vertx, NetSocketInternal socket, boolean serverSide, int maxMessageBytes, ByteBuf leftover) {
        this.vertx = vertx;
        this.socket = socket;
        this.ctx = socket.channelHandlerContext();
        this.alloc = ctx.alloc();
        this.serverSide = serverSide;
        this.maxMessageBytes = maxMessageBytes;
        this.parser = new WsFrameParser(serverSide, maxMessageBytes);
        this.leftover = leftover;
    }

    /** The gateway as the server of a client's connection (its frames masked). */
    static RawWebSocket server(Vertx vertx, NetSocketInternal socket, int maxMessageBytes) {
        return new RawWebSocket(vertx, socket, true, maxMessageBytes, null);
    }

    /** The gateway as the client of the upstream; {@code leftover}: bytes read after the handshake (owned from here). */
    static RawWebSocket client(Vertx vertx, NetSocketInternal socket, int maxMessageBytes, ByteBuf leftover) {
        return new RawWebSocket(vertx, socket, false, maxMessageBytes, leftover);
    }

    /** Server side: each whole message of the client. */
    RawWebSocket messageHandler(Handler<Message> h) {
        this.messageHandler = h;
        return this;
    }

    RawWebSocket frameHandler(FrameHandler h) {
        this.frameHandler = h;
        return this;
    }

    RawWebSocket pongHandler(Handler<Void> h) {
        this.pongHandler = h;
        return this;
    }

    /** Called once when the connection has closed, whoever closed it. */
    RawWebSocket closeHandler(Handler<Void> h) {
        this.closeHandler = h;
        return this;
    }

    RawWebSocket errorHandler(ErrorHandler h) {
        this.errorHandler = h;
        return this;
    }

    /** Called when the write queue was full and has drained below half its size. */
    RawWebSocket drainHandler(Handler<Void> h) {
        this.drainHandler = h;
        return this;
    }

    /** How many bytes may wait unsent before {@link #writeQueueFull} (the channel's high water mark; low is half). */
    RawWebSocket setWriteQueueMaxSize(int bytes) {
        ctx.channel().config().setWriteBufferWaterMark(new WriteBufferWaterMark(Math.max(1, bytes / 2), Math.max(1, bytes)));
        return this;
    }

    /** Starts reading: what came with the handshake first, then the socket. */
    void start() {
        Flushes.consolidate(ctx);
        // writes go straight to the channel (see write), so its writability is the write queue
        ctx.pipeline().addBefore(ctx.name(), "moat-drain", new ChannelInboundHandlerAdapter() {
            @Override
            public void channelWritabilityChanged(ChannelHandlerContext c) {
                if (c.channel().isWritable()) {
                    drainHandler.handle(null);
                }
                c.fireChannelWritabilityChanged();
            }
        });
        socket.exceptionHandler(e -> LOG.debug("WebSocket socket error: {}", e.toString()));
        socket.closeHandler(v -> onTcpClosed());
        socket.messageHandler(this::onBytes);
        ByteBuf first = leftover;
        leftover = null;
        if (first != null) {
            onBytes(first);
        }
        socket.resume();
    }

    void pause() {
        socket.pause();
    }

    void resume() {
        socket.resume();
    }

    boolean writeQueueFull() {
        return !ctx.channel().isWritable();
    }

    /** True once a close frame was sent or the connection is gone. */
    boolean isClosed() {
        return closeSent || tcpClosed;
    }

    /** The code of the peer's close frame, or null when it sent none (or none with a code). */
    Short closeStatusCode() {
        return closeStatusCode;
    }

    String closeReason() {
        return closeReason;
    }

    // ---- reading ------------------------------------------------------------------------------

    private void onBytes(Object message) {
        if (!(message instanceof ByteBuf in)) {
            io.netty.util.ReferenceCountUtil.release(message);
            return;
        }
        if (failed || tcpClosed || closeReceived) {
            in.release(); // after a close frame or a protocol error nothing more is read
            return;
        }
        try {
            parser.feed(in, alloc, this::onFrame);
        } catch (WsProtocolException e) {
            protocolError((short) e.closeCode, e.getMessage());
        }
    }

    private void onFrame(int opcode, boolean fin, ByteBuf payload, ByteBuf frame) throws WsProtocolException {
        if (closeReceived) {
            return;
        }
        switch (opcode) {
            case WsFrames.PING -> writeControl(WsFrames.PONG, payload);
            case WsFrames.PONG -> pongHandler.handle(null);
            case WsFrames.CLOSE -> onCloseFrame(payload);
            default -> {
                if (closeSent) {
                    return; // closing: what the peer still sends is dropped
                }
                if (serverSide) {
                    message(opcode, fin, payload);
                } else {
                    frameHandler.handle(opcode, fin, payload, frame);
                }
            }
        }
    }

    /** Server side: puts a client's message together and hands it over whole. */
    private void message(int opcode, boolean fin, ByteBuf payload) throws WsProtocolException {
        if (opcode != WsFrames.CONTINUATION && fin) {
            deliver(opcode, payload);
            return;
        }
        if (opcode != WsFrames.CONTINUATION) {
            fragmentsOpcode = opcode;
            fragments = alloc.heapBuffer(Math.max(256, payload.readableBytes() * 2));
        }
        if (fragments == null) {
            return; // the parser refuses a continuation without a start; this is after a failure
        }
        if (fragments.readableBytes() + (long) payload.readableBytes() > maxMessageBytes) {
            releaseFragments();
            throw new WsProtocolException(1009, "message too big: at most " + maxMessageBytes + " bytes");
        }
        fragments.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
        if (fin) {
            ByteBuf whole = fragments;
            fragments = null;
            try {
                deliver(fragmentsOpcode, whole);
            } finally {
                whole.release();
            }
        }
    }

    private void deliver(int opcode, ByteBuf payload) throws WsProtocolException {
        byte[] bytes = ByteBufUtil.getBytes(payload);
        Object content = opcode == WsFrames.TEXT ? utf8(bytes) : Buffer.buffer(bytes);
        messageHandler.handle(new Message(content, opcode, bytes));
    }

    /**
     * A text message as a String; malformed UTF-8 is a protocol error (1007), not a replacement
     * character. The JDK's decoder is fast but replaces; only a text that then holds U+FFFD, which
     * valid UTF-8 may also carry, is decoded again strictly to tell the two apart.
     */
    static String utf8(byte[] bytes) throws WsProtocolException {
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (text.indexOf('\uFFFD') < 0) {
            return text;
        }
        try {
            StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes));
            return text;
        } catch (CharacterCodingException e) {
            throw new WsProtocolException(1007, "text message is not valid UTF-8");
        }
    }

    private void onCloseFrame(ByteBuf payload) {
        closeReceived = true;
        int code = WsFrames.closeCode(payload);
        closeStatusCode = code < 0 ? null : (short) code;
        closeReason = code < 0 ? null : WsFrames.closeReason(payload);
        if (!closeSent) {
            // answer with the same code (RFC 6455 5.5.1), then hang up
            closeSent = true;
            write(frame(WsFrames.CLOSE, code < 0 || !WsConnection.validToSend(code)
                    ? WsFrames.closePayload(-1, null) : WsFrames.closePayload(code, "")));
        }
        socket.close();
    }

    /**
     * The peer broke the protocol: the owner is told (it closes with {@code code}, which sends the
     * close frame), and the connection is dropped once that frame is out (RFC 6455 7.1.7: fail the
     * connection, do not wait for an answer that could not be parsed).
     */
    private void protocolError(short code, String reason) {
        failed = true;
        releaseFragments();
        errorHandler.handle(code, reason);
        if (!closeSent) {
            close(code, reason);
        }
        socket.close();
    }

    private void onTcpClosed() {
        if (tcpClosed) {
            return;
        }
        tcpClosed = true;
        releaseFragments();
        parser.release();
        if (leftover != null) {
            leftover.release();
            leftover = null;
        }
        closeHandler.handle(null);
    }

    private void releaseFragments() {
        if (fragments != null) {
            fragments.release();
            fragments = null;
        }
    }

    // ---- writing ------------------------------------------------------------------------------

    void writeText(String text) {
        writeMessage(WsFrames.TEXT, text.getBytes(StandardCharsets.UTF_8));
    }

    /** A whole message of the other side (its opcode and payload as received), framed for this side. */
    void writeMessage(int opcode, byte[] payload) {
        if (!isClosed()) {
            write(frame(opcode, payload));
        }
    }

    /** A whole message (opcode, payload) encoded as this side's frame; the payload is not consumed. */
    ByteBuf frameOf(int opcode, ByteBuf payload) {
        return serverSide ? WsFrames.server(alloc, opcode, true, payload) : WsFrames.client(alloc, opcode, true, payload);
    }

    /** A frame already encoded for this side (an upstream's unmasked frame to the client); takes ownership. */
    void writeFrame(ByteBuf frame) {
        if (isClosed()) {
            frame.release();
            return;
        }
        write(frame);
    }

    void writePing(byte[] payload) {
        writeMessage(WsFrames.PING, payload);
    }

    /**
     * Starts the close handshake: a close frame with {@code code} and {@code reason}; the connection
     * closes when the peer answers with its own, or after {@value #CLOSING_TIMEOUT_MILLIS} ms.
     */
    void close(short code, String reason) {
        if (closeSent || tcpClosed) {
            return;
        }
        closeSent = true;
        write(frame(WsFrames.CLOSE, WsFrames.closePayload(code, reason)));
        if (closeReceived) {
            socket.close();
            return;
        }
        vertx.setTimer(CLOSING_TIMEOUT_MILLIS, id -> {
            if (!tcpClosed) {
                socket.close();
            }
        });
    }

    private void writeControl(int opcode, ByteBuf payload) {
        if (!isClosed()) {
            write(frameOf(opcode, payload));
        }
    }

    private ByteBuf frame(int opcode, byte[] payload) {
        return serverSide ? WsFrames.server(alloc, opcode, true, payload) : WsFrames.client(alloc, opcode, true, payload);
    }

    /**
     * Straight into the channel, not through Vert.x's per-socket message queue (a tenth of a relayed
     * message's cost): this runs on the channel's event loop, {@link Flushes} folds the flushes, and
     * backpressure is the channel's writability, which {@link #writeQueueFull} reads either way.
     */
    private void write(ByteBuf frame) {
        ctx.writeAndFlush(frame, ctx.voidPromise());
    }
}
