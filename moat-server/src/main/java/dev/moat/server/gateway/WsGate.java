package dev.moat.server.gateway;

import dev.moat.core.identity.IpAddress;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.net.NetSocketInternal;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The WebSocket handshake: origin, token, Moat's {@code ws_connect} (bans and connect rate),
 * connection caps; then the upstream connection, and only then the client's upgrade, so an
 * upstream that refuses the handshake is answered with its own status. A refusal before the
 * upgrade is an HTTP problem (401, 403, 429) like any refused HTTP request.
 *
 * <p>Socket.IO clients (query {@code EIO=4}) may send their token in the CONNECT packet instead
 * of the handshake: then the handshake only refuses banned addresses, and the full admission runs
 * at that packet ({@link WsConnection}).
 */
final class WsGate {
    private static final Logger LOG = LoggerFactory.getLogger(WsGate.class);

    /** Request headers that belong to one hop or to the WebSocket handshake itself. */
    static final Set<String> WS_SKIP = Set.of("host", "connection", "upgrade", "sec-websocket-key",
            "sec-websocket-version", "sec-websocket-extensions", "sec-websocket-accept", "sec-websocket-protocol",
            "content-length", "transfer-encoding", "te", "trailer", "keep-alive", "proxy-connection",
            "proxy-authorization", "proxy-authenticate", "forwarded", "x-forwarded-for", "x-forwarded-proto",
            "x-forwarded-host", "x-real-ip", "origin");

    private final Shared g;
    private final Admission admission;
    private final FrameRules rules;

    WsGate(Shared g) {
        this.g = g;
        this.admission = new Admission(g);
        this.rules = new FrameRules(g.settings.websocket().frames());
    }

    void handle(HttpServerRequest req, IpAddress peer, IpAddress ip) {
        req.pause();
        String bad = badHandshake(req);
        if (bad != null) {
            g.handshakesRefused.increment();
            req.response().putHeader("Sec-WebSocket-Version", "13");
            Refusals.send(req.response(), 400, "bad_handshake", bad + ".", -1, null);
            return;
        }
        GatewaySettings.WebSocket ws = g.settings.websocket();
        String eio = req.getParam("EIO");
        boolean socketIo = switch (ws.format()) {
            case SOCKETIO -> true;
            case AUTO -> eio != null;
            default -> false;
        };
        if (socketIo && eio != null && !eio.equals("4")) {
            refuse(req, 400, "unsupported_protocol", "Only Engine.IO 4 (Socket.IO 3 and later) is supported.", -1);
            return;
        }
        String origin = req.getHeader("Origin");
        if (!ws.originAllowed(origin)) {
            refuse(req, 403, "forbidden_origin", "Connections from this origin are not allowed.", -1);
            return;
        }
        String token = handshakeToken(req);
        boolean deferred = token == null && socketIo && g.tokens.enabled()
                && g.settings.jwt().source(GatewaySettings.TokenSource.Kind.SOCKETIO);
        String ua = req.getHeader("User-Agent");
        String ipText = ip.toString();
        admission.admit(token, ipText, ua, deferred).onComplete(ar -> {
            if (ar.failed()) {
                LOG.warn("WebSocket admission failed", ar.cause());
                refuse(req, 503, "unavailable", "Connections cannot be checked right now. Try again shortly.", -1);
                return;
            }
            Admission.Outcome o = ar.result();
            if (!o.ok()) {
                Admission.Refusal r = o.refusal();
                if (r.decision() != null) {
                    g.handshakesRefused.increment();
                    Refusals.send(req.response(), r.decision(), false);
                } else {
                    refuse(req, r.status(), r.reason(), r.message(), r.retryAfterMillis());
                }
                return;
            }
            String user = o.user();
            if (user != null && ws.maxConnectionsPerUser() > 0
                    && g.connections.countUser(user) >= ws.maxConnectionsPerUser()) {
                admission.tooManyForUser(user, ipText, ws.maxConnectionsPerUser())
                        .onComplete(r -> refuse(req, r.succeeded() ? r.result() : null));
                return;
            }
            if (!g.connections.reserveIp(ip, ws.maxConnectionsPerIp())) {
                admission.tooManyForIp(ipText, ws.maxConnectionsPerIp())
                        .onComplete(r -> refuse(req, r.succeeded() ? r.result() : null));
                return;
            }
            connectUpstream(req, peer, ip, ua, socketIo, user, deferred);
        });
    }

    private void connectUpstream(HttpServerRequest req, IpAddress peer, IpAddress ip, String ua, boolean socketIo,
                                 String user, boolean deferred) {
        GatewaySettings.Upstream up = g.settings.upstream();
        List<Map.Entry<String, String>> headers = new ArrayList<>();
        for (Map.Entry<String, String> e : req.headers()) {
            if (!WS_SKIP.contains(e.getKey().toLowerCase(Locale.ROOT))) {
                headers.add(Map.entry(e.getKey(), e.getValue()));
            }
        }
        String origin = req.getHeader("Origin");
        if (origin != null) {
            headers.add(Map.entry("Origin", origin));
        }
        HttpProxy.forwardingHeaders(g, req, peer, ip).forEach((k, v) -> headers.add(Map.entry(k, v)));
        String host = up.url().getHost();
        int port = up.portOrDefault();
        boolean defaultPort = port == (up.ssl() ? 443 : 80);
        String hostHeader = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + (defaultPort ? "" : ":" + port);
        String key = req.getHeader("Sec-WebSocket-Key");
        g.net.connect(port, host).compose(s -> {
            NetSocketInternal socket = (NetSocketInternal) s;
            return UpstreamUpgrade.start(g.vertx, socket, hostHeader, up.basePath() + req.uri(), headers,
                    up.connectTimeoutMillis()).map(o -> new Object[] {socket, o});
        }).onComplete(ar -> {
            if (ar.failed()) {
                g.connections.releaseIp(ip);
                LOG.debug("upstream WebSocket connect failed: {}", ar.cause().toString());
                refuse(req, 502, "upstream_unavailable", "The chat server cannot be reached right now.", -1);
                return;
            }
            NetSocketInternal upSocket = (NetSocketInternal) ar.result()[0];
            Object outcome = ar.result()[1];
            if (outcome instanceof UpstreamUpgrade.Rejected r) {
                g.connections.releaseIp(ip);
                upSocket.close();
                relayRejection(req, r);
                return;
            }
            UpstreamUpgrade.Upgraded upgraded = (UpstreamUpgrade.Upgraded) outcome;
            upSocket.pause(); // until the connection's handlers are in place
            req.response().putHeader("Upgrade", "websocket").putHeader("Connection", "Upgrade")
                    .putHeader("Sec-WebSocket-Accept", WsFrames.accept(key));
            req.toNetSocket().onComplete(cw -> {
                if (cw.failed()) {
                    g.connections.releaseIp(ip);
                    if (upgraded.leftover() != null) {
                        upgraded.leftover().release();
                    }
                    upSocket.close();
                    return;
                }
                NetSocketInternal clientSocket = (NetSocketInternal) cw.result();
                clientSocket.pause();
                RawWebSocket client = RawWebSocket.server(g.vertx, clientSocket, g.settings.websocket().maxFrameBytes());
                RawWebSocket upstream = RawWebSocket.client(g.vertx, upSocket, up.maxFrameBytes(), upgraded.leftover());
                WsConnection c = new WsConnection(g, admission, rules, client, upstream, ip, ua, socketIo, user, deferred,
                        Vertx.currentContext());
                if (user != null && !g.connections.addUser(user, c, g.settings.websocket().maxConnectionsPerUser())) {
                    // another handshake of this user won the last slot meanwhile
                    g.connections.releaseIp(ip);
                    upstream.start();
                    client.start();
                    upstream.close((short) 1000, "refused by the gateway");
                    client.close(WsConnection.POLICY, "too many open connections");
                    return;
                }
                c.start();
            });
        });
    }

    /** What a client's upgrade request must carry beyond what {@code canUpgradeToWebSocket} checked; null when it does. */
    static String badHandshake(HttpServerRequest req) {
        String version = req.getHeader("Sec-WebSocket-Version");
        if (!"13".equals(version == null ? null : version.trim())) {
            return "Sec-WebSocket-Version must be 13";
        }
        String key = req.getHeader("Sec-WebSocket-Key");
        if (key == null || !validKey(key.trim())) {
            return "Sec-WebSocket-Key must be 16 bytes in base64";
        }
        return null;
    }

    private static boolean validKey(String key) {
        if (key.length() != 24) {
            return false;
        }
        try {
            return java.util.Base64.getDecoder().decode(key).length == 16;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private void relayRejection(HttpServerRequest req, UpstreamUpgrade.Rejected u) {
        var res = req.response();
        if (res.ended()) {
            return;
        }
        res.setStatusCode(u.status());
        for (Map.Entry<String, String> e : u.headers()) {
            String k = e.getKey().toLowerCase(Locale.ROOT);
            if (!HttpProxy.HOP_BY_HOP.contains(k) && !k.equals("content-length")) {
                res.headers().add(e.getKey(), e.getValue());
            }
        }
        Buffer body = u.body();
        res.end(body == null ? Buffer.buffer() : body);
    }

    private String handshakeToken(HttpServerRequest req) {
        for (GatewaySettings.TokenSource s : g.settings.jwt().sources()) {
            String t = switch (s.kind()) {
                case HEADER -> bearer(req.getHeader(s.name()));
                case QUERY -> req.getParam(s.name());
                case COOKIE -> {
                    Cookie c = req.getCookie(s.name());
                    yield c == null ? null : c.getValue();
                }
                case SOCKETIO -> null;
            };
            if (t != null && !t.isBlank()) {
                return t.trim();
            }
        }
        return null;
    }

    static String bearer(String header) {
        if (header == null) {
            return null;
        }
        String h = header.trim();
        return h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).trim() : null;
    }

    private void refuse(HttpServerRequest req, Admission.Refusal r) {
        if (r == null) {
            refuse(req, 429, "concurrency", "Too many open connections.", -1);
        } else {
            refuse(req, r.status(), r.reason(), r.message(), r.retryAfterMillis());
        }
    }

    private void refuse(HttpServerRequest req, int status, String reason, String message, long retryAfterMillis) {
        g.handshakesRefused.increment();
        Refusals.send(req.response(), status, reason, message, retryAfterMillis, null);
    }
}
