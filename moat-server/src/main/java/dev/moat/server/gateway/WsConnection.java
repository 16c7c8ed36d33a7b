package dev.moat.server.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.core.CheckRequest;
import dev.moat.core.Decision;
import dev.moat.core.HumanDuration;
import dev.moat.core.IdentityMemo;
import dev.moat.core.Moat;
import dev.moat.core.Verdict;
import dev.moat.core.identity.IpAddress;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.netty.buffer.ByteBuf;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * One client WebSocket and its upstream twin.
 *
 * <p>How it works and why. Both sockets live on one event loop, so the state here needs no
 * locks; the only way in from other threads is {@link #requestClose}, which hops onto that loop.
 * Client frames go through a queue processed one at a time: a frame is read (JSON, Socket.IO or
 * opaque text), checked (event allow-list, the connection's own rate, then Moat's
 * {@code ws_message} with the extracted chat message), and then forwarded, answered with an error
 * frame, or answered and closed (kick, ban). While the engine decides (on a worker when the
 * stores block), later frames wait, so the upstream sees frames in the order sent and never one
 * that was refused; over {@value #INBOUND_HIGH} waiting frames, reading from the client pauses.
 *
 * <p>Frames to the client go straight to the socket while it keeps up; when its write queue is
 * full they wait in a bounded queue, and a client that lets that queue overflow (it does not read)
 * is closed with 1008, BareRTC's answer to slow consumers: one stuck reader must not hold memory
 * or slow the upstream. Pings go out every {@code ping_interval}; no pong (or any frame) within
 * {@code pong_timeout} closes with 1001, as does a client silent for {@code idle_timeout}.
 */
final class WsConnection {
    private static final Logger LOG = LoggerFactory.getLogger(WsConnection.class);
    static final int INBOUND_HIGH = 64;
    private static final int INBOUND_LOW = 16;
    static final short GOING_AWAY = 1001;
    static final short POLICY = 1008;
    static final short INTERNAL = 1011;
    static final short TOO_BIG = 1009;
    private static final byte[] PING_PAYLOAD = {'m', 'o', 'a', 't'};

    private final Shared g;
    private final Admission admission;
    private final FrameRules rules;
    private final RawWebSocket client;
    private final RawWebSocket upstream;
    private final Context context;
    private final IpAddress ip;
    private final String ipText;
    private final String userAgent;
    private final boolean socketIo;
    private final GatewaySettings.WebSocket ws;
    private final GatewaySettings.CloseCodes codes;

    private String user;
    /** The engine's parse of {@link #user} and {@link #ipText}, made on the first frame, not on each. */
    private final IdentityMemo identities = new IdentityMemo();
    private boolean ipReserved;
    private boolean awaitingConnect;
    private final Set<String> namespaces = new LinkedHashSet<>();

    private final ArrayDeque<RawWebSocket.Message> inbound = new ArrayDeque<>();
    private boolean busy;
    private boolean pumping;
    private boolean pausedInbound;
    private boolean pausedForUpstream;
    private int pendingAttachments;
    private boolean dropAttachments;

    private final ArrayDeque<Object> outbound = new ArrayDeque<>();
    private long outboundBytes;

    private long lastActivity;
    private long lastData;
    private long pingTimer = -1;
    private long idleTimer = -1;

    private double tatMillis;

    private boolean closed;
    private Runnable pendingClose;

    WsConnection(Shared g, Admission admission, FrameRules rules, RawWebSocket client, RawWebSocket upstream, IpAddress ip,
                 String userAgent, boolean socketIo, String user, boolean awaitingConnect, Context context) {
        this.g = g;
        this.admission = admission;
        this.rules = rules;
        this.client = client;
        this.upstream = upstream;
        this.ip = ip;
        this.ipText = ip.toString();
        this.userAgent = userAgent;
        this.socketIo = socketIo;
        this.user = user;
        this.awaitingConnect = awaitingConnect;
        this.context = context;
        this.ws = g.settings.websocket();
        this.codes = ws.closeCodes();
        this.ipReserved = true;
    }

    IpAddress ip() {
        return ip;
    }

    String user() {
        return user;
    }

    /** Wires both sockets and starts relaying. Runs on the connection's event loop. */
    void start() {
        long now = System.currentTimeMillis();
        lastActivity = now;
        lastData = now;
        g.connections.add(this);
        // each hop writes frames read on the other: one flush per event-loop turn, not per frame
        // (RawWebSocket.start installs Flushes on both sockets)
        client.setWriteQueueMaxSize(64 * 1024);
        client.messageHandler(this::fromClient);
        client.pongHandler(v -> lastActivity = System.currentTimeMillis());
        client.errorHandler((code, reason) -> closeNow(code,
                code == TOO_BIG ? "message too big: at most " + ws.maxFrameBytes() + " bytes" : reason));
        client.closeHandler(v -> onClientClosed());
        client.drainHandler(v -> drainOutbound());

        // frames, not messages: what the upstream sends needs no check, so it is not decoded
        upstream.frameHandler(this::fromUpstream);
        upstream.errorHandler((code, reason) -> {
            LOG.debug("upstream broke the WebSocket protocol: {}", reason);
            closeNow(INTERNAL, code == TOO_BIG ? "upstream message too big" : "upstream protocol error");
        });
        upstream.closeHandler(v -> onUpstreamClosed());
        upstream.drainHandler(v -> {
            if (pausedForUpstream) {
                pausedForUpstream = false;
                if (!pausedInbound) {
                    client.resume();
                }
            }
        });

        GatewaySettings.Liveness l = ws.liveness();
        if (l.pingIntervalMillis() > 0) {
            pingTimer = g.vertx.setPeriodic(l.pingIntervalMillis(), id -> ping());
        }
        if (l.idleTimeoutMillis() > 0) {
            scheduleIdle(l.idleTimeoutMillis());
        }
        client.start();
        upstream.start();
    }

    // ---- client -> upstream -------------------------------------------------------------------

    private void fromClient(RawWebSocket.Message frame) {
        long now = System.currentTimeMillis();
        lastActivity = now;
        if (closed) {
            return;
        }
        inbound.add(frame);
        if (inbound.size() > INBOUND_HIGH && !pausedInbound) {
            pausedInbound = true;
            client.pause();
        }
        pump();
    }

    private void pump() {
        if (pumping) {
            return;
        }
        pumping = true;
        try {
            while (!busy && !closed && !inbound.isEmpty()) {
                process(inbound.poll());
            }
        } catch (RuntimeException e) {
            LOG.warn("gateway frame handling failed", e);
            closeNow(INTERNAL, "internal error");
        } finally {
            pumping = false;
        }
        if (pausedInbound && inbound.size() <= INBOUND_LOW && !closed) {
            pausedInbound = false;
            if (!pausedForUpstream) {
                client.resume();
            }
        }
        if (!busy && pendingClose != null) {
            Runnable r = pendingClose;
            pendingClose = null;
            r.run();
        }
    }

    /** What one client frame is, once read. */
    private static final class Frame {
        final Object raw;
        /** The message as the client sent it: relayed from these bytes when unchanged. */
        final RawWebSocket.Message message;
        SocketIo.Packet packet;
        /** A JSON frame's values at the rules' pointers (see {@link FrameRules#reader}); null when not JSON. */
        String[] values;
        ArrayNode args;
        String event;
        FrameRules.Compiled extractor;

        Frame(RawWebSocket.Message message) {
            this.message = message;
            this.raw = message.content();
        }
    }

    private void process(RawWebSocket.Message message) {
        Frame f = new Frame(message);
        Object raw = f.raw;
        if (raw instanceof Buffer) {
            if (socketIo && pendingAttachments > 0) {
                pendingAttachments--;
                if (!dropAttachments) {
                    forward(f);
                }
                return;
            }
            dataFrame(f);
            return;
        }
        String text = (String) raw;
        if (socketIo) {
            if (text.isEmpty() || text.charAt(0) != '4') {
                forward(f); // Engine.IO ping, pong, noop, close: no chat content
                return;
            }
            SocketIo.Packet p = SocketIo.parse(text);
            f.packet = p;
            if (p == null) {
                dataFrame(f);
                return;
            }
            switch (p.type()) {
                case SocketIo.CONNECT -> onConnectPacket(f);
                case SocketIo.EVENT, SocketIo.BINARY_EVENT -> {
                    if (awaitingConnect) {
                        return; // the upstream has no socket for it yet and would drop it: so do we
                    }
                    pendingAttachments = p.type() == SocketIo.BINARY_EVENT ? p.attachments() : 0;
                    dropAttachments = false;
                    readSocketIoEvent(f);
                    dataFrame(f);
                }
                case SocketIo.DISCONNECT -> {
                    namespaces.remove(p.nsp());
                    forward(f);
                }
                case SocketIo.BINARY_ACK -> {
                    pendingAttachments = p.attachments();
                    dropAttachments = awaitingConnect;
                    if (!awaitingConnect) {
                        forward(f);
                    }
                }
                default -> {
                    if (!awaitingConnect) {
                        forward(f);
                    }
                }
            }
            return;
        }
        if (ws.format() != GatewaySettings.Format.TEXT && looksLikeJson(text)) {
            try {
                // only the pointers the rules read, in one streaming pass: no tree unless censored
                f.values = rules.reader.read(text);
                f.event = f.values[rules.typeAt];
                f.extractor = rules.extractor(f.event);
            } catch (java.io.IOException | RuntimeException e) {
                f.values = null;
                f.event = null;
            }
        }
        dataFrame(f);
    }

    private static boolean looksLikeJson(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '{' || c == '[') {
                return true;
            }
            if (!Character.isWhitespace(c)) {
                return false;
            }
        }
        return false;
    }

    private void readSocketIoEvent(Frame f) {
        if (f.packet.json() == null) {
            return;
        }
        try {
            JsonNode n = Refusals.JSON.readTree(f.packet.json());
            if (n instanceof ArrayNode a && a.size() > 0 && a.get(0).isTextual()) {
                f.event = a.get(0).asText();
                ArrayNode args = JsonNodeFactory.instance.arrayNode();
                for (int i = 1; i < a.size(); i++) {
                    args.add(a.get(i));
                }
                f.args = args;
                f.extractor = rules.extractor(f.event);
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not JSON: an event with no readable name; the allow-list decides
        }
    }

    /** A frame with content: allow-list, the connection's rate, then Moat. */
    private void dataFrame(Frame f) {
        lastData = System.currentTimeMillis();
        if (!rules.frames.allows(f.event)) {
            refuse(f, "event_not_allowed", "This event is not allowed here.", -1, null);
            return;
        }
        GatewaySettings.Rate rate = ws.perConnection();
        if (rate.enabled()) {
            long wait = takeLocal(rate);
            if (wait > 0) {
                busy = true;
                String who = user;
                g.decider.run(() -> g.moat.reportViolation("message_limit", who, ipText, null,
                                "gateway: over " + rate.max() + " frames per " + rate.perMillis() + "ms on one connection"))
                        .onComplete(ar -> {
                            busy = false;
                            String message = "Too many messages: at most " + rate.max() + " per " + HumanDuration.text(rate.perMillis())
                                    + " on one connection. Try again in " + HumanDuration.text(wait) + ".";
                            Moat.ViolationResult v = ar.succeeded() ? ar.result() : null;
                            if (v != null && v.ban() != null) {
                                long left = Math.max(0, v.ban().expiresAtMillis() - g.moat.clock().nowMillis());
                                String m = "You have been banned for " + HumanDuration.text(left) + " for repeated violations.";
                                refuse(f, "rate_limited", m, left, Verdict.BAN);
                                closeForBan(m);
                            } else {
                                refuse(f, "rate_limited", message, wait, null);
                            }
                            pump();
                        });
                return;
            }
        }
        CheckRequest req = request(f);
        if (req == null) {
            forwardFrame(f, null);
            return;
        }
        busy = true;
        g.decider.decide(() -> g.moat.check(req, identities)).onComplete(ar -> {
            busy = false;
            if (ar.failed()) {
                LOG.warn("ws_message check failed", ar.cause());
                refuse(f, "unavailable", "Messages cannot be checked right now. Try again shortly.", -1, null);
            } else {
                apply(f, ar.result());
            }
            pump();
        });
    }

    private CheckRequest request(Frame f) {
        FrameRules.Compiled ex = f.extractor;
        CheckRequest.Message message = null;
        String action = rules.frames.action();
        if (ex != null) {
            String text;
            String to;
            String room;
            if (socketIo) {
                text = JsonPointers.text(f.args, ex.text());
                to = ex.to() == null ? null : JsonPointers.text(f.args, ex.to());
                room = ex.room() == null ? null : JsonPointers.text(f.args, ex.room());
            } else {
                text = f.values == null ? null : f.values[ex.textAt()];
                to = f.values == null || ex.toAt() < 0 ? null : f.values[ex.toAt()];
                room = f.values == null || ex.roomAt() < 0 ? null : f.values[ex.roomAt()];
            }
            if (text != null) {
                message = new CheckRequest.Message(text, to, room, ex.spec().dm() || to != null);
            }
            action = ex.spec().action();
        } else if (!rules.frames.checksAllFrames()) {
            return null;
        }
        return CheckRequest.builder(action).user(user).ip(ipText).userAgent(userAgent).message(message).build();
    }

    private void apply(Frame f, Decision d) {
        if (d.allowed()) {
            forwardFrame(f, d.censoredText());
            return;
        }
        String reason = d.reason() == null ? "refused" : d.reason().wire();
        refuse(f, reason, d.message(), d.retryAfterMillis(), d.verdict());
        if (d.verdict() == Verdict.KICK) {
            g.closedByMoat.increment();
            closeNow((short) codes.kick(), d.message());
        } else if (d.verdict() == Verdict.BAN) {
            closeForBan(d.message());
        }
    }

    private void forwardFrame(Frame f, String censored) {
        if (censored != null && f.extractor != null) {
            if (socketIo && f.args != null && JsonPointers.replace(f.args, f.extractor.text(), censored)) {
                ArrayNode all = JsonNodeFactory.instance.arrayNode();
                all.add(f.event);
                all.addAll(f.args);
                forwardText(f.packet.withJson(all.toString()).encode());
                return;
            }
            if (!socketIo && f.values != null) {
                // censoring is rare: only now the frame becomes a tree
                JsonNode json = readTree((String) f.raw);
                if (json != null && JsonPointers.replace(json, f.extractor.text(), censored)) {
                    forwardText(json.toString());
                    return;
                }
            }
        }
        forward(f);
    }

    private static JsonNode readTree(String text) {
        try {
            return Refusals.JSON.readTree(text);
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    /** Relays a client's message unchanged: framed again from the bytes it came in. */
    private void forward(Frame f) {
        if (closed) {
            return;
        }
        g.framesForwarded.increment();
        upstream.writeMessage(f.message.opcode(), f.message.payload());
        pauseIfUpstreamFull();
    }

    private void pauseIfUpstreamFull() {
        if (upstream.writeQueueFull() && !pausedForUpstream) {
            pausedForUpstream = true;
            client.pause();
        }
    }

    /** Relays a message the gateway changed (censored text, a Socket.IO packet encoded again). */
    private void forwardText(String text) {
        if (closed) {
            return;
        }
        g.framesForwarded.increment();
        upstream.writeText(text);
        pauseIfUpstreamFull();
    }

    /** The connection's own GCRA: 0 when the frame may pass, else the wait in milliseconds. */
    private long takeLocal(GatewaySettings.Rate rate) {
        double now = System.nanoTime() / 1e6;
        double t = (double) rate.perMillis() / rate.max();
        double tolerance = t * (rate.burst() - 1);
        double tat = Math.max(tatMillis, now);
        if (tat - now > tolerance + 1e-9) {
            return Math.max(1, (long) Math.ceil(tat - now - tolerance));
        }
        tatMillis = tat + t;
        return 0;
    }

    // ---- refusals -----------------------------------------------------------------------------

    private void refuse(Frame f, String reason, String message, long retryAfterMillis, Verdict verdict) {
        g.framesRefused.increment();
        if (f.packet != null && f.packet.type() == SocketIo.BINARY_EVENT) {
            dropAttachments = true;
        }
        sendError(f.packet, f.event, reason, message, retryAfterMillis, verdict);
    }

    /** An error frame: a Socket.IO error event (and ack) for Socket.IO, the template otherwise. */
    private void sendError(SocketIo.Packet p, String event, String reason, String message, long retryAfterMillis,
                           Verdict verdict) {
        if (socketIo) {
            ObjectNode err = JsonNodeFactory.instance.objectNode();
            err.put("reason", reason);
            err.put("message", message);
            if (retryAfterMillis >= 0) {
                err.put("retry_after_ms", retryAfterMillis);
            }
            if (event != null) {
                err.put("event", event);
            }
            if (verdict != null) {
                err.put("verdict", verdict.wire());
            }
            ArrayNode args = JsonNodeFactory.instance.arrayNode().add(rules.frames.errorEvent()).add(err);
            if (p == null) {
                // not about one packet (a kick, ban or disconnect from elsewhere): tell every namespace
                for (String nsp : namespaces.isEmpty() ? Set.of("/") : namespaces) {
                    toClient(SocketIo.event(nsp, args.toString()));
                }
                return;
            }
            String nsp = p.nsp();
            toClient(SocketIo.event(nsp, args.toString()));
            if (p.ackId() >= 0 && p.isEvent()) {
                ArrayNode ack = JsonNodeFactory.instance.arrayNode().add(JsonNodeFactory.instance.objectNode().set("error", err));
                toClient(new SocketIo.Packet(SocketIo.ACK, 0, nsp, p.ackId(), ack.toString()).encode());
            }
            return;
        }
        String frame = rules.frames.errorFrame()
                .replace("{reason}", Texts.jsonEscape(reason))
                .replace("{message}", Texts.jsonEscape(message))
                .replace("{retry_after_ms}", retryAfterMillis >= 0 ? Long.toString(retryAfterMillis) : "null")
                .replace("{event}", Texts.jsonEscape(event))
                .replace("{verdict}", verdict == null ? "deny" : verdict.wire());
        toClient(frame);
    }

    private void closeForBan(String message) {
        g.closedByMoat.increment();
        if (socketIo) {
            // a server-side DISCONNECT: socket.io-client does not reconnect on its own after this
            for (String nsp : namespaces) {
                toClient(new SocketIo.Packet(SocketIo.DISCONNECT, 0, nsp, -1, null).encode());
            }
        }
        closeNow((short) codes.ban(), message);
    }

    // ---- Socket.IO CONNECT --------------------------------------------------------------------

    private void onConnectPacket(Frame f) {
        SocketIo.Packet p = f.packet;
        String token = tokenOf(p);
        if (!awaitingConnect) {
            if (token != null && user != null && g.tokens.enabled()) {
                // a second namespace with its own token: it must be valid and the same user
                busy = true;
                g.tokens.verify(token).onComplete(ar -> {
                    busy = false;
                    if (ar.succeeded() && ar.result().ok() && user.equals(ar.result().token().user())) {
                        namespaces.add(p.nsp());
                        forward(f);
                    } else {
                        connectError(p, "invalid_token", "This token is not valid for this connection.", -1);
                    }
                    pump();
                });
                return;
            }
            namespaces.add(p.nsp());
            forward(f);
            return;
        }
        busy = true;
        admission.admit(token, ipText, userAgent, false).onComplete(ar -> {
            if (ar.failed()) {
                busy = false;
                LOG.warn("Socket.IO admission failed", ar.cause());
                refuseConnect(p, new Admission.Refusal(503, "unavailable", "Connections cannot be checked right now.", -1, null));
                pump();
                return;
            }
            Admission.Outcome o = ar.result();
            if (!o.ok()) {
                busy = false;
                refuseConnect(p, o.refusal());
                pump();
                return;
            }
            if (o.user() != null && !g.connections.addUser(o.user(), this, ws.maxConnectionsPerUser())) {
                admission.tooManyForUser(o.user(), ipText, ws.maxConnectionsPerUser()).onComplete(r -> {
                    busy = false;
                    refuseConnect(p, r.succeeded() ? r.result()
                            : new Admission.Refusal(429, "concurrency", "Too many open connections.", -1, null));
                    pump();
                });
                return;
            }
            busy = false;
            user = o.user();
            awaitingConnect = false;
            namespaces.add(p.nsp());
            forward(f);
            pump();
        });
    }

    private String tokenOf(SocketIo.Packet p) {
        String field = g.settings.jwt().sourceName(GatewaySettings.TokenSource.Kind.SOCKETIO);
        if (field == null || p.json() == null) {
            return null;
        }
        try {
            JsonNode auth = Refusals.JSON.readTree(p.json());
            JsonNode t = auth == null ? null : auth.get(field);
            if (t == null || !t.isTextual()) {
                return null;
            }
            String s = t.asText();
            return s.regionMatches(true, 0, "Bearer ", 0, 7) ? s.substring(7).trim() : s;
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    private void refuseConnect(SocketIo.Packet p, Admission.Refusal r) {
        connectError(p, r.reason(), r.message(), r.retryAfterMillis());
        g.handshakesRefused.increment();
        short code = switch (r.status()) {
            case 401 -> (short) codes.unauthorized();
            case 403 -> "banned".equals(r.reason()) ? (short) codes.ban() : POLICY;
            default -> POLICY;
        };
        closeNow(code, r.message());
    }

    private void connectError(SocketIo.Packet p, String reason, String message, long retryAfterMillis) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("message", message);
        ObjectNode data = body.putObject("data");
        data.put("reason", reason);
        if (retryAfterMillis >= 0) {
            data.put("retry_after_ms", retryAfterMillis);
        }
        toClient(new SocketIo.Packet(SocketIo.CONNECT_ERROR, 0, p.nsp(), -1, body.toString()).encode());
    }

    // ---- upstream -> client -------------------------------------------------------------------

    /**
     * A data frame from the upstream. A whole text or binary message in one frame (nearly all of
     * them) goes to the client as the bytes that were read: an upstream's frame is unmasked, as a
     * server's frame to the client must be, and nothing checks what the upstream says, so it is
     * neither decoded nor encoded again. A message in fragments is put together here (at most
     * {@code upstream.max_frame}; over it the connection closes with 1011) and sent whole, so an
     * error frame of the gateway can never land between two fragments. Pings, pongs and close
     * frames are {@link RawWebSocket}'s business (it answers pings and reports the close).
     */
    private void fromUpstream(int opcode, boolean fin, ByteBuf payload, ByteBuf frame) {
        if (opcode == WsFrames.CONTINUATION) {
            if (fragments == null) {
                return; // no message was started: the parser would have refused it
            }
            if (fragments.readableBytes() + (long) payload.readableBytes() > g.settings.upstream().maxFrameBytes()) {
                fragments.release();
                fragments = null;
                closeNow(INTERNAL, "upstream message too big");
                return;
            }
            fragments.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
            if (fin) {
                ByteBuf whole = fragments;
                fragments = null;
                try {
                    toClient(client.frameOf(fragmentsOpcode, whole));
                } finally {
                    whole.release();
                }
            }
            return;
        }
        if (fin) {
            toClient(frame.retainedSlice()); // the bytes as read, kept past the call
            return;
        }
        fragments = io.netty.buffer.Unpooled.buffer(Math.max(256, payload.readableBytes() * 2));
        fragmentsOpcode = opcode;
        fragments.writeBytes(payload, payload.readerIndex(), payload.readableBytes());
    }

    /** The fragments of an upstream message so far (null when none is open), and its opcode. */
    private ByteBuf fragments;
    private int fragmentsOpcode;

    /** A frame for the client: a String (a text message of the gateway's), or an encoded frame (owned). */
    private void toClient(Object frame) {
        if (closed) {
            ReferenceCountUtil.release(frame);
            return;
        }
        if (outbound.isEmpty() && !client.writeQueueFull()) {
            write(frame);
            return;
        }
        outbound.add(frame);
        outboundBytes += size(frame);
        GatewaySettings.Liveness l = ws.liveness();
        if (outbound.size() > l.outboundFrames() || outboundBytes > l.outboundBytes()) {
            g.slowConsumers.increment();
            clearOutbound();
            closeNow(POLICY, "slow consumer: messages were not read in time");
        }
    }

    private void drainOutbound() {
        while (!outbound.isEmpty() && !client.writeQueueFull() && !closed) {
            Object f = outbound.poll();
            outboundBytes -= size(f);
            write(f);
        }
    }

    /** Frees the frames this connection holds once it is closed. */
    private void dropBuffers() {
        clearOutbound();
        if (fragments != null) {
            fragments.release();
            fragments = null;
        }
    }

    private void clearOutbound() {
        for (Object f : outbound) {
            ReferenceCountUtil.release(f);
        }
        outbound.clear();
        outboundBytes = 0;
    }

    private void write(Object frame) {
        if (frame instanceof String s) {
            client.writeText(s);
        } else {
            client.writeFrame((ByteBuf) frame);
        }
    }

    private static long size(Object frame) {
        return frame instanceof String s ? s.length() * 2L + 16 : ((ByteBuf) frame).readableBytes() + 16L;
    }

    // ---- liveness -----------------------------------------------------------------------------

    private void ping() {
        if (closed) {
            return;
        }
        long now = System.currentTimeMillis();
        client.writePing(PING_PAYLOAD);
        long sentAt = now;
        g.vertx.setTimer(ws.liveness().pongTimeoutMillis(), id -> {
            if (!closed && lastActivity < sentAt) {
                closeNow(GOING_AWAY, "pong timeout");
            }
        });
    }

    private void scheduleIdle(long delay) {
        idleTimer = g.vertx.setTimer(Math.max(1, delay), id -> {
            if (closed) {
                return;
            }
            long idle = ws.liveness().idleTimeoutMillis();
            long quiet = System.currentTimeMillis() - lastData;
            if (quiet >= idle) {
                closeNow(GOING_AWAY, "idle timeout");
            } else {
                scheduleIdle(idle - quiet);
            }
        });
    }

    // ---- closing ------------------------------------------------------------------------------

    /**
     * Closes from any thread (a kick or ban decided elsewhere, an operator's disconnect): an error
     * frame with {@code reason} and {@code message}, then {@code code}. Waits for a decision in
     * progress on this connection, so its own answer goes first.
     */
    void requestClose(short code, String reason, String message, boolean serverDisconnect) {
        context.runOnContext(v -> {
            Runnable r = () -> {
                if (closed) {
                    return;
                }
                g.closedByMoat.increment();
                sendError(null, null, reason, message, -1, null);
                if (socketIo && serverDisconnect) {
                    for (String nsp : namespaces) {
                        toClient(new SocketIo.Packet(SocketIo.DISCONNECT, 0, nsp, -1, null).encode());
                    }
                }
                closeNow(code, message);
            };
            if (busy) {
                pendingClose = r;
            } else {
                r.run();
            }
        });
    }

    void closeNow(short code, String reason) {
        if (closed) {
            return;
        }
        closed = true;
        inbound.clear();
        dropBuffers();
        cancelTimers();
        release();
        client.close(code, Texts.closeReason(reason));
        if (!upstream.isClosed()) {
            upstream.close((short) 1000, "client disconnected by the gateway");
        }
    }

    private void onClientClosed() {
        Short c = client.closeStatusCode();
        if (!closed) {
            closed = true;
            inbound.clear();
            dropBuffers();
            cancelTimers();
            release();
            if (!upstream.isClosed()) {
                short code = c != null && validToSend(c) ? c : 1000;
                upstream.close(code, Texts.closeReason(client.closeReason()));
            }
        }
        release();
    }

    private void onUpstreamClosed() {
        if (closed) {
            return;
        }
        Short c = upstream.closeStatusCode();
        short code = c != null && validToSend(c) ? c : INTERNAL;
        String reason = c != null && validToSend(c) ? upstream.closeReason() : "upstream closed";
        // what the upstream sent last is still in the queue: let the client have it first
        drainOutbound();
        closeNow(code, reason);
    }

    /** Codes an endpoint may put in a close frame (RFC 6455 7.4: not 1004-1006, 1015). */
    static boolean validToSend(int code) {
        return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
    }

    private void cancelTimers() {
        if (pingTimer >= 0) {
            g.vertx.cancelTimer(pingTimer);
            pingTimer = -1;
        }
        if (idleTimer >= 0) {
            g.vertx.cancelTimer(idleTimer);
            idleTimer = -1;
        }
    }

    private boolean released;

    private void release() {
        if (released) {
            return;
        }
        released = true;
        g.connections.remove(this);
        if (ipReserved) {
            ipReserved = false;
            g.connections.releaseIp(ip);
        }
        if (user != null) {
            g.connections.removeUser(user, this);
        }
    }
}
