package dev.moat.server.gateway;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import dev.moat.core.CheckRequest;
import dev.moat.core.Decision;
import dev.moat.core.identity.IpAddress;
import dev.moat.core.policy.Restrictions;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.HostAndPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * HTTP through the gateway. A request that matches a rule is checked as the rule's action, its
 * identity taken from the connection (through trusted proxies), a JWT claim, a header, the query
 * or a JSON body field; refused, it is answered here (429, 403, with the problem body and the
 * RateLimit fields). Allowed, and every request no rule matches, streams to the upstream
 * unchanged but for the hop-by-hop headers and the forwarding headers this hop adds; the response
 * streams back the same way (status, headers, body, chunked and event streams as they come).
 *
 * <p>What is buffered: only the body of a request whose rule reads a body field, up to
 * {@code gateway.http.max_body} (more is 413 before anything reaches the upstream). Everything
 * else flows with backpressure and is never held whole.
 */
final class HttpProxy {
    private static final Logger LOG = LoggerFactory.getLogger(HttpProxy.class);

    /** RFC 9110 7.6.1 hop-by-hop headers, plus what this hop sets itself. */
    static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "proxy-authenticate",
            "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade");

    private final Shared g;
    private final List<GatewaySettings.HttpRule> rules;
    private final Map<GatewaySettings.HttpRule, Map<String, JsonPointer>> pointers = new LinkedHashMap<>();

    HttpProxy(Shared g) {
        this.g = g;
        this.rules = g.settings.http().rules();
        for (GatewaySettings.HttpRule r : rules) {
            Map<String, JsonPointer> m = new LinkedHashMap<>();
            for (GatewaySettings.Source s : new GatewaySettings.Source[] {r.user(), r.email(), r.text(), r.to(), r.room()}) {
                if (s != null && s.kind() == GatewaySettings.Source.Kind.BODY) {
                    m.put(s.name(), JsonPointers.validate(s.name()));
                }
            }
            pointers.put(r, m);
        }
    }

    void handle(HttpServerRequest req, IpAddress peer, IpAddress ip) {
        req.pause();
        if (!rules.isEmpty() && PathPattern.ambiguous(req.path())) {
            Refusals.send(req.response(), 400, "invalid_path", "The request path is not in canonical form.", -1, null);
            return;
        }
        if (!g.settings.websocket().allowPolling() && "polling".equals(req.getParam("transport"))
                && req.getParam("EIO") != null) {
            // Socket.IO's long-polling would carry chat frames past every frame check
            g.httpRefused.increment();
            req.response().setStatusCode(400).putHeader("Content-Type", "application/json")
                    .end("{\"code\":3,\"message\":\"Bad request: use the websocket transport\"}");
            return;
        }
        GatewaySettings.HttpRule rule = null;
        String method = req.method().name();
        for (GatewaySettings.HttpRule r : rules) {
            if (r.matches(method, req.path())) {
                rule = r;
                break;
            }
        }
        if (rule == null) {
            forward(req, peer, ip, null);
            return;
        }
        GatewaySettings.HttpRule matched = rule;
        if (!rule.readsBody()) {
            check(req, peer, ip, matched, null);
            return;
        }
        long cap = g.settings.http().maxBodyBytes();
        String len = req.getHeader("Content-Length");
        if (len != null && len.matches("\\d{1,18}") && Long.parseLong(len) > cap) {
            tooLarge(req, cap);
            return;
        }
        Buffer body = Buffer.buffer();
        boolean[] over = {false};
        req.handler(b -> {
            if (over[0]) {
                return;
            }
            if (body.length() + b.length() > cap) {
                over[0] = true;
                tooLarge(req, cap);
                return;
            }
            body.appendBuffer(b);
        });
        req.endHandler(v -> {
            if (!over[0]) {
                check(req, peer, ip, matched, body);
            }
        });
        req.exceptionHandler(e -> LOG.debug("client request failed: {}", e.toString()));
        req.resume();
    }

    private void tooLarge(HttpServerRequest req, long cap) {
        g.httpRefused.increment();
        req.response().putHeader("Connection", "close");
        Refusals.send(req.response(), 413, "body_too_large", "The request body is larger than " + cap
                + " bytes, the most this gateway reads.", -1, null);
    }

    private void check(HttpServerRequest req, IpAddress peer, IpAddress ip, GatewaySettings.HttpRule rule, Buffer body) {
        JsonNode json = null;
        if (body != null && body.length() > 0) {
            try {
                json = Refusals.JSON.readTree(body.getBytes());
            } catch (java.io.IOException | RuntimeException e) {
                json = null; // not JSON: body fields are absent; the upstream answers the bad request itself
            }
        }
        JsonNode bodyJson = json;
        Future<Decision> decided;
        try {
            String user = value(req, rule, rule.user(), bodyJson);
            String email = value(req, rule, rule.email(), bodyJson);
            String text = value(req, rule, rule.text(), bodyJson);
            String to = value(req, rule, rule.to(), bodyJson);
            String room = value(req, rule, rule.room(), bodyJson);
            CheckRequest.Builder b = CheckRequest.builder(rule.action()).user(user).ip(ip.toString()).email(email)
                    .cost(rule.cost()).userAgent(req.getHeader("User-Agent"));
            if (text != null) {
                b.message(new CheckRequest.Message(text, to, room, to != null));
            }
            CheckRequest cr = b.build();
            decided = g.decider.decide(() -> g.moat.check(cr));
        } catch (RuntimeException e) {
            decided = Future.failedFuture(e);
        }
        decided.onComplete(ar -> {
            if (ar.failed()) {
                LOG.warn("gateway check failed for {} {}", req.method(), req.path(), ar.cause());
                Refusals.send(req.response(), 503, "unavailable", "This request cannot be checked right now. Try again shortly.",
                        -1, null);
                return;
            }
            Decision d = ar.result();
            if (!d.allowed()) {
                g.httpRefused.increment();
                Refusals.send(req.response(), d, Restrictions.BYTE_BUDGETS.contains(rule.action()));
                return;
            }
            Buffer out = body;
            if (d.censoredText() != null && bodyJson != null && rule.text() != null
                    && rule.text().kind() == GatewaySettings.Source.Kind.BODY
                    && JsonPointers.replace(bodyJson, pointers.get(rule).get(rule.text().name()), d.censoredText())) {
                out = Buffer.buffer(bodyJson.toString());
            }
            forward(req, peer, ip, out);
        });
    }

    private String value(HttpServerRequest req, GatewaySettings.HttpRule rule, GatewaySettings.Source s, JsonNode body) {
        if (s == null) {
            return null;
        }
        return switch (s.kind()) {
            case BODY -> JsonPointers.text(body, pointers.get(rule).get(s.name()));
            case HEADER -> req.getHeader(s.name());
            case QUERY -> req.getParam(s.name());
            case COOKIE -> {
                Cookie c = req.getCookie(s.name());
                yield c == null ? null : c.getValue();
            }
            case JWT -> claim(req, s.name());
        };
    }

    /** A claim of the request's token, verified with the keys at hand; null when absent or invalid. */
    private String claim(HttpServerRequest req, String claim) {
        if (!g.tokens.enabled()) {
            return null;
        }
        String token = null;
        for (GatewaySettings.TokenSource s : g.settings.jwt().sources()) {
            token = switch (s.kind()) {
                case HEADER -> WsGate.bearer(req.getHeader(s.name()));
                case QUERY -> req.getParam(s.name());
                case COOKIE -> {
                    Cookie c = req.getCookie(s.name());
                    yield c == null ? null : c.getValue();
                }
                case SOCKETIO -> null;
            };
            if (token != null && !token.isBlank()) {
                break;
            }
        }
        if (token == null) {
            return null;
        }
        TokenVerifier.Result r = g.tokens.verifyNow(token.trim());
        if (!r.ok()) {
            return null;
        }
        if (claim == null) {
            return r.token().user();
        }
        Object v = r.token().claims().getClaim(claim);
        return v instanceof String str ? str : v instanceof Number n ? n.toString() : null;
    }

    /** Forwarding headers for the upstream: X-Forwarded-For (appended only behind a trusted proxy), -Proto, -Host, X-Real-IP. */
    static Map<String, String> forwardingHeaders(Shared g, HttpServerRequest req, IpAddress peer, IpAddress client) {
        Map<String, String> h = new LinkedHashMap<>();
        String xff = null;
        if (g.resolver.trustedProxies().contains(peer)) {
            List<String> prior = req.headers().getAll("X-Forwarded-For");
            if (!prior.isEmpty()) {
                xff = String.join(", ", prior);
            }
        }
        String self = peer.toString();
        h.put("X-Forwarded-For", xff == null ? self : xff + ", " + self);
        String proto = req.isSSL() ? "https" : "http";
        if (g.resolver.trustedProxies().contains(peer) && req.getHeader("X-Forwarded-Proto") != null) {
            proto = req.getHeader("X-Forwarded-Proto");
        }
        h.put("X-Forwarded-Proto", proto);
        HostAndPort authority = req.authority();
        if (authority != null) {
            h.put("X-Forwarded-Host", authority.toString());
        }
        h.put("X-Real-IP", client.toString());
        return h;
    }

    /** Streams the request to the upstream (or sends {@code body} when it was read) and the response back. */
    void forward(HttpServerRequest req, IpAddress peer, IpAddress ip, Buffer body) {
        GatewaySettings.Upstream up = g.settings.upstream();
        RequestOptions o = new RequestOptions()
                .setMethod(req.method())
                .setHost(up.url().getHost())
                .setPort(up.portOrDefault())
                .setSsl(up.ssl())
                .setURI(up.basePath() + req.uri())
                .setConnectTimeout(up.connectTimeoutMillis());
        if (up.requestTimeoutMillis() > 0) {
            o.setIdleTimeout(up.requestTimeoutMillis());
        }
        HttpServerResponse res = req.response();
        g.http.request(o).onComplete(ar -> {
            if (ar.failed()) {
                LOG.debug("upstream request failed: {}", ar.cause().toString());
                Refusals.send(res, 502, "upstream_unavailable", "The chat server cannot be reached right now.", -1, null);
                req.resume();
                return;
            }
            HttpClientRequest creq = ar.result();
            copyRequestHeaders(req, creq);
            forwardingHeaders(g, req, peer, ip).forEach(creq::putHeader);
            if (req.authority() != null) {
                creq.authority(req.authority());
            }
            res.closeHandler(v -> {
                if (!res.ended()) {
                    creq.reset();
                }
            });
            Future<HttpClientResponse> sent;
            if (body != null) {
                creq.headers().remove("Transfer-Encoding");
                creq.putHeader("Content-Length", Integer.toString(body.length()));
                sent = creq.send(body);
            } else if (hasBody(req)) {
                if (req.getHeader("Content-Length") == null) {
                    creq.setChunked(true);
                }
                sent = creq.send(req);
            } else {
                req.resume();
                sent = creq.send();
            }
            sent.onComplete(rr -> {
                if (rr.failed()) {
                    Throwable e = rr.cause();
                    boolean timeout = e instanceof java.util.concurrent.TimeoutException
                            || String.valueOf(e.getMessage()).toLowerCase(Locale.ROOT).contains("timeout");
                    if (!res.headWritten()) {
                        Refusals.send(res, timeout ? 504 : 502, timeout ? "upstream_timeout" : "upstream_unavailable",
                                timeout ? "The chat server did not answer in time." : "The chat server cannot be reached right now.",
                                -1, null);
                    } else {
                        res.reset();
                    }
                    return;
                }
                relay(req, rr.result(), res);
            });
        });
    }

    private static boolean hasBody(HttpServerRequest req) {
        String len = req.getHeader("Content-Length");
        if (len != null) {
            return !len.trim().equals("0");
        }
        String te = req.getHeader("Transfer-Encoding");
        return te != null && te.toLowerCase(Locale.ROOT).contains("chunked");
    }

    private static void copyRequestHeaders(HttpServerRequest req, HttpClientRequest creq) {
        Set<String> connectionTokens = connectionTokens(req.headers());
        for (Map.Entry<String, String> e : req.headers()) {
            String k = e.getKey().toLowerCase(Locale.ROOT);
            if (HOP_BY_HOP.contains(k) || connectionTokens.contains(k) || k.equals("host") || k.equals("expect")
                    || k.equals("forwarded") || k.startsWith("x-forwarded-") || k.equals("x-real-ip")) {
                continue;
            }
            creq.headers().add(e.getKey(), e.getValue());
        }
    }

    private static Set<String> connectionTokens(MultiMap headers) {
        List<String> conn = headers.getAll("Connection");
        if (conn.isEmpty()) {
            return Set.of();
        }
        java.util.HashSet<String> out = new java.util.HashSet<>();
        for (String c : conn) {
            for (String t : c.split(",")) {
                out.add(t.trim().toLowerCase(Locale.ROOT));
            }
        }
        return out;
    }

    private static void relay(HttpServerRequest req, HttpClientResponse resp, HttpServerResponse res) {
        if (res.ended() || res.closed()) {
            resp.request().reset();
            return;
        }
        res.setStatusCode(resp.statusCode());
        if (resp.statusMessage() != null) {
            res.setStatusMessage(resp.statusMessage());
        }
        Set<String> connectionTokens = connectionTokens(resp.headers());
        for (Map.Entry<String, String> e : resp.headers()) {
            String k = e.getKey().toLowerCase(Locale.ROOT);
            if (HOP_BY_HOP.contains(k) || connectionTokens.contains(k)) {
                continue;
            }
            res.headers().add(e.getKey(), e.getValue());
        }
        boolean noBody = req.method() == HttpMethod.HEAD || resp.statusCode() == 204 || resp.statusCode() == 304
                || (resp.statusCode() >= 100 && resp.statusCode() < 200);
        if (!noBody && resp.getHeader("Content-Length") == null) {
            res.setChunked(true);
        }
        resp.pipeTo(res).onFailure(e -> {
            if (!res.ended()) {
                res.reset();
            }
        });
    }
}
