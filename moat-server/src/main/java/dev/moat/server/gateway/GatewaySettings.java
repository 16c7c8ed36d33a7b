package dev.moat.server.gateway;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code gateway} section of {@code moat.yaml}, validated: where the gateway listens, the
 * upstream chat server it protects, the HTTP rules, JWT settings and the WebSocket rules. Every
 * record checks itself in its constructor and names the config key in its message. Build it from
 * YAML with {@link GatewayConfig#fromMap}; tests and embedders may build it in code.
 *
 * @param host      listen address ({@code gateway.listen}), loopback by default
 * @param port      listen port; 0 picks a free one
 * @param instances HTTP server instances sharing the port (0: one per core, at most 8)
 * @param upstream  the chat server behind the gateway
 * @param http      HTTP rules
 * @param jwt       how tokens are found and verified
 * @param websocket the WebSocket rules: handshake, frames, liveness
 */
public record GatewaySettings(String host, int port, int instances, Upstream upstream, Http http, Jwt jwt,
                              WebSocket websocket) {

    public GatewaySettings {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("gateway.listen: a host is required");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("gateway.listen: port must be 0 to 65535, was " + port);
        }
        if (instances < 0 || instances > 64) {
            throw new IllegalArgumentException("gateway.instances must be 0 to 64, was " + instances);
        }
        Objects.requireNonNull(upstream, "gateway.upstream is required");
        http = http == null ? Http.DEFAULTS : http;
        jwt = jwt == null ? Jwt.NONE : jwt;
        websocket = websocket == null ? WebSocket.DEFAULTS : websocket;
    }

    /** Defaults everywhere, listening on loopback with a free port, in front of {@code upstreamUrl}. */
    public static GatewaySettings of(String upstreamUrl) {
        return new GatewaySettings("127.0.0.1", 0, 1, Upstream.of(upstreamUrl), null, null, null);
    }

    public GatewaySettings withHttp(Http h) {
        return new GatewaySettings(host, port, instances, upstream, h, jwt, websocket);
    }

    public GatewaySettings withJwt(Jwt j) {
        return new GatewaySettings(host, port, instances, upstream, http, j, websocket);
    }

    public GatewaySettings withWebSocket(WebSocket w) {
        return new GatewaySettings(host, port, instances, upstream, http, jwt, w);
    }

    // ---- upstream -----------------------------------------------------------------------------

    /**
     * The protected chat server. HTTP goes to {@code url}; WebSocket upgrades go to the same host
     * and port (ws:// for http://, wss:// for https://), the client's path and query appended.
     *
     * @param url                  {@code http://} or {@code https://}, with an optional base path
     * @param connectTimeoutMillis how long connecting to the upstream may take
     * @param maxFrameBytes        the largest message the upstream may send a client
     * @param requestTimeoutMillis an HTTP request whose response does not start within this fails
     *                             with 504 (0: no limit, for long polls and streams)
     */
    public record Upstream(URI url, long connectTimeoutMillis, int maxFrameBytes, long requestTimeoutMillis) {
        public Upstream {
            Objects.requireNonNull(url, "gateway.upstream.url is required");
            String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                throw new IllegalArgumentException("gateway.upstream.url must be http:// or https://, was '" + url + "'");
            }
            if (url.getHost() == null || url.getHost().isEmpty()) {
                throw new IllegalArgumentException("gateway.upstream.url has no host: '" + url + "'");
            }
            if (url.getRawQuery() != null || url.getRawFragment() != null) {
                throw new IllegalArgumentException("gateway.upstream.url must not have a query or fragment: '" + url + "'");
            }
            if (connectTimeoutMillis < 1) {
                throw new IllegalArgumentException("gateway.upstream.connect_timeout must be positive, was "
                        + connectTimeoutMillis + "ms");
            }
            if (maxFrameBytes < 1024) {
                throw new IllegalArgumentException("gateway.upstream.max_frame must be at least 1KB, was " + maxFrameBytes);
            }
            if (requestTimeoutMillis < 0) {
                throw new IllegalArgumentException("gateway.upstream.request_timeout must not be negative");
            }
        }

        public static Upstream of(String url) {
            return new Upstream(URI.create(url), 5_000, 1 << 20, 0);
        }

        public boolean ssl() {
            return "https".equalsIgnoreCase(url.getScheme());
        }

        public int portOrDefault() {
            return url.getPort() > 0 ? url.getPort() : ssl() ? 443 : 80;
        }

        /** The base path without a trailing slash ("" for none). */
        public String basePath() {
            String p = url.getRawPath();
            if (p == null || p.equals("/")) {
                return "";
            }
            return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
        }
    }

    // ---- HTTP rules ---------------------------------------------------------------------------

    /**
     * HTTP rules.
     *
     * @param maxBodyBytes the most of a request body read when a rule needs a body field; a larger
     *                     body is refused with 413. Bodies of requests no rule reads stream through.
     * @param rules        first match wins
     */
    public record Http(long maxBodyBytes, List<HttpRule> rules) {
        public static final Http DEFAULTS = new Http(64 * 1024, List.of());

        public Http {
            if (maxBodyBytes < 1 || maxBodyBytes > 64L * 1024 * 1024) {
                throw new IllegalArgumentException("gateway.http.max_body must be 1 byte to 64MB, was " + maxBodyBytes);
            }
            rules = rules == null ? List.of() : List.copyOf(rules);
        }
    }

    /**
     * One HTTP rule: requests with one of {@code methods} (empty: any) whose path matches
     * {@code path} are checked as {@code action} before they reach the upstream.
     *
     * @param methods upper-case methods; empty means any
     * @param path    a path pattern: literal segments, {@code *} for one segment, {@code **} at the
     *                end for any rest
     * @param action  the Moat action (a restriction name)
     * @param user    where the user id comes from, or null
     * @param email   where the login name comes from, or null
     * @param text    message text (enables content checks), or null
     * @param to      message recipient (a DM when present), or null
     * @param room    message room, or null
     * @param cost    units consumed, 1 by default
     */
    public record HttpRule(Set<String> methods, PathPattern path, String action, Source user, Source email, Source text,
                           Source to, Source room, long cost) {
        public HttpRule {
            methods = methods == null ? Set.of() : Set.copyOf(methods);
            Objects.requireNonNull(path, "path is required");
            if (action == null || action.isBlank()) {
                throw new IllegalArgumentException("action is required");
            }
            if (cost < 0) {
                throw new IllegalArgumentException("cost must not be negative, was " + cost);
            }
        }

        /** True when the rule reads the request body. */
        public boolean readsBody() {
            return isBody(user) || isBody(email) || isBody(text) || isBody(to) || isBody(room);
        }

        private static boolean isBody(Source s) {
            return s != null && s.kind() == Source.Kind.BODY;
        }

        public boolean matches(String method, String requestPath) {
            return (methods.isEmpty() || methods.contains(method)) && path.matches(requestPath);
        }
    }

    /**
     * Where a value of an HTTP request comes from: {@code jwt} (the configured user claim of a
     * valid token), {@code jwt:CLAIM}, {@code body:/json/pointer}, {@code header:NAME},
     * {@code query:NAME} or {@code cookie:NAME}.
     */
    public record Source(Kind kind, String name) {
        public enum Kind { JWT, BODY, HEADER, QUERY, COOKIE }

        public Source {
            Objects.requireNonNull(kind, "kind");
            if (kind == Kind.BODY) {
                JsonPointers.validate(name);
            } else if (kind != Kind.JWT && (name == null || name.isEmpty())) {
                throw new IllegalArgumentException(kind.name().toLowerCase(Locale.ROOT) + ": needs a name");
            }
        }

        /** Parses {@code jwt}, {@code jwt:claim}, {@code body:/ptr}, {@code header:X}, {@code query:x}, {@code cookie:x}. */
        public static Source parse(String text) {
            if (text == null || text.isBlank()) {
                throw new IllegalArgumentException("must be jwt, jwt:CLAIM, body:/pointer, header:NAME, query:NAME or cookie:NAME");
            }
            int colon = text.indexOf(':');
            String k = (colon < 0 ? text : text.substring(0, colon)).trim().toLowerCase(Locale.ROOT);
            String n = colon < 0 ? null : text.substring(colon + 1).trim();
            return switch (k) {
                case "jwt" -> new Source(Kind.JWT, n == null || n.isEmpty() ? null : n);
                case "body" -> new Source(Kind.BODY, n == null ? "" : n);
                case "header" -> new Source(Kind.HEADER, n);
                case "query" -> new Source(Kind.QUERY, n);
                case "cookie" -> new Source(Kind.COOKIE, n);
                default -> throw new IllegalArgumentException("'" + text
                        + "' is not a source: use jwt, jwt:CLAIM, body:/pointer, header:NAME, query:NAME or cookie:NAME");
            };
        }

        @Override
        public String toString() {
            return kind.name().toLowerCase(Locale.ROOT) + (name == null ? "" : ":" + name);
        }
    }

    // ---- JWT ----------------------------------------------------------------------------------

    /** Algorithms the gateway can verify. {@code none} is never among them. */
    public static final Set<String> SUPPORTED_ALGORITHMS = Set.of("HS256", "HS384", "HS512", "RS256", "RS384", "RS512",
            "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA");

    /**
     * Where a token is looked for, in order: the {@code Authorization: Bearer} header, a query
     * parameter, a cookie, or the Socket.IO CONNECT packet's auth payload field.
     */
    public record TokenSource(Kind kind, String name) {
        public enum Kind { HEADER, QUERY, COOKIE, SOCKETIO }

        public TokenSource {
            Objects.requireNonNull(kind, "kind");
            if (kind != Kind.HEADER && (name == null || name.isEmpty())) {
                throw new IllegalArgumentException(kind.name().toLowerCase(Locale.ROOT) + " needs a name, e.g. "
                        + kind.name().toLowerCase(Locale.ROOT) + ":token");
            }
        }

        public static TokenSource parse(String text) {
            if (text == null || text.isBlank()) {
                throw new IllegalArgumentException("must be header, query:NAME, cookie:NAME or socketio:FIELD");
            }
            int colon = text.indexOf(':');
            String k = (colon < 0 ? text : text.substring(0, colon)).trim().toLowerCase(Locale.ROOT);
            String n = colon < 0 ? null : text.substring(colon + 1).trim();
            return switch (k) {
                case "header" -> new TokenSource(Kind.HEADER, n == null || n.isEmpty() ? "authorization" : n);
                case "query" -> new TokenSource(Kind.QUERY, n == null ? "token" : n);
                case "cookie" -> new TokenSource(Kind.COOKIE, n == null ? "token" : n);
                case "socketio" -> new TokenSource(Kind.SOCKETIO, n == null ? "token" : n);
                default -> throw new IllegalArgumentException("'" + text
                        + "' is not a token source: use header, query:NAME, cookie:NAME or socketio:FIELD");
            };
        }

        @Override
        public String toString() {
            return kind.name().toLowerCase(Locale.ROOT) + ":" + name;
        }
    }

    /**
     * A verification key with the algorithms it may verify. A key's type pins its algorithms
     * (an HMAC secret only HS*, an RSA key only RS and PS, an EC key only the ES of its curve, an
     * Ed25519 key only EdDSA), so a token can never pick a key of another kind: signing HS256
     * with an RSA public key's bytes gets nowhere.
     *
     * @param jwk        the key (public for RSA/EC/OKP; the secret for HMAC)
     * @param algorithms what this key may verify, within the allow-list
     */
    public record VerificationKey(JWK jwk, Set<JWSAlgorithm> algorithms) {
        public VerificationKey {
            Objects.requireNonNull(jwk, "jwk");
            algorithms = Set.copyOf(algorithms);
            if (algorithms.isEmpty()) {
                throw new IllegalArgumentException("key " + (jwk.getKeyID() == null ? "" : "'" + jwk.getKeyID() + "' ")
                        + "may verify none of the allowed algorithms");
            }
        }

        @Override
        public String toString() {
            return "VerificationKey[kid=" + jwk.getKeyID() + ", type=" + jwk.getKeyType() + ", algorithms=" + algorithms + "]";
        }
    }

    /**
     * JWT settings.
     *
     * @param required           a WebSocket connection without a valid token is refused
     * @param sources            where tokens are looked for, in order
     * @param algorithms         the allow-list
     * @param keys               keys from the config (secrets, PEM public keys, inline JWKs)
     * @param jwksFile           a JWKS file read at start and at every refresh, or null
     * @param jwksUrl            a JWKS URL fetched at start and every {@code jwksRefreshMillis}, or null
     * @param jwksRefreshMillis  how often the JWKS is refreshed
     * @param jwksTimeoutMillis  how long a JWKS fetch may take
     * @param issuers            accepted {@code iss} values (empty: not checked)
     * @param audiences          one of these must be in {@code aud} (empty: not checked)
     * @param leewayMillis       clock skew allowed on {@code exp} and {@code nbf}
     * @param userClaim          the claim holding the user id ({@code sub}; Open WebUI and LibreChat use {@code id})
     * @param requireExp         a token without {@code exp} is refused
     * @param checkRevocation    ask Moat whether the token is revoked (by jti, or the user's tokens before an instant)
     */
    public record Jwt(boolean required, List<TokenSource> sources, Set<JWSAlgorithm> algorithms,
                      List<VerificationKey> keys, String jwksFile, URI jwksUrl, long jwksRefreshMillis,
                      long jwksTimeoutMillis, List<String> issuers, List<String> audiences, long leewayMillis,
                      String userClaim, boolean requireExp, boolean checkRevocation) {

        public static final List<TokenSource> DEFAULT_SOURCES = List.of(new TokenSource(TokenSource.Kind.HEADER, "authorization"),
                new TokenSource(TokenSource.Kind.QUERY, "token"), new TokenSource(TokenSource.Kind.COOKIE, "token"),
                new TokenSource(TokenSource.Kind.SOCKETIO, "token"));

        public static final Set<JWSAlgorithm> DEFAULT_ALGORITHMS = Set.of(JWSAlgorithm.HS256, JWSAlgorithm.RS256,
                JWSAlgorithm.ES256, JWSAlgorithm.EdDSA);

        /** No keys: tokens are not verified and never required. */
        public static final Jwt NONE = new Jwt(false, DEFAULT_SOURCES, DEFAULT_ALGORITHMS, List.of(), null, null,
                600_000, 5_000, List.of(), List.of(), 30_000, "sub", true, true);

        public Jwt {
            sources = sources == null || sources.isEmpty() ? DEFAULT_SOURCES : List.copyOf(sources);
            algorithms = algorithms == null ? DEFAULT_ALGORITHMS : Set.copyOf(algorithms);
            for (JWSAlgorithm a : algorithms) {
                if (!SUPPORTED_ALGORITHMS.contains(a.getName())) {
                    throw new IllegalArgumentException("gateway.jwt.algorithms: '" + a.getName() + "' is not supported"
                            + ("none".equalsIgnoreCase(a.getName()) ? " (unsigned tokens are never accepted)" : "")
                            + "; use " + new java.util.TreeSet<>(SUPPORTED_ALGORITHMS));
                }
            }
            keys = keys == null ? List.of() : List.copyOf(keys);
            issuers = issuers == null ? List.of() : List.copyOf(issuers);
            audiences = audiences == null ? List.of() : List.copyOf(audiences);
            if (jwksRefreshMillis < 1000) {
                throw new IllegalArgumentException("gateway.jwt.jwks_refresh must be at least 1s, was " + jwksRefreshMillis + "ms");
            }
            if (jwksTimeoutMillis < 1) {
                throw new IllegalArgumentException("gateway.jwt.jwks_timeout must be positive");
            }
            if (leewayMillis < 0 || leewayMillis > 3_600_000) {
                throw new IllegalArgumentException("gateway.jwt.leeway must be 0 to 1h, was " + leewayMillis + "ms");
            }
            if (userClaim == null || userClaim.isBlank()) {
                throw new IllegalArgumentException("gateway.jwt.user_claim must not be empty");
            }
            if (jwksUrl != null) {
                String s = jwksUrl.getScheme() == null ? "" : jwksUrl.getScheme().toLowerCase(Locale.ROOT);
                if (!s.equals("http") && !s.equals("https")) {
                    throw new IllegalArgumentException("gateway.jwt.jwks_url must be http:// or https://, was '" + jwksUrl + "'");
                }
            }
            if (required && !hasKeys(keys, jwksFile, jwksUrl)) {
                throw new IllegalArgumentException("gateway.jwt.required is true but no key is configured: set"
                        + " gateway.jwt.keys, gateway.jwt.jwks_file or gateway.jwt.jwks_url");
            }
        }

        private static boolean hasKeys(List<VerificationKey> keys, String file, URI url) {
            return !keys.isEmpty() || file != null || url != null;
        }

        /** True when tokens can be verified at all. */
        public boolean enabled() {
            return hasKeys(keys, jwksFile, jwksUrl);
        }

        public boolean source(TokenSource.Kind kind) {
            return sources.stream().anyMatch(s -> s.kind() == kind);
        }

        public String sourceName(TokenSource.Kind kind) {
            return sources.stream().filter(s -> s.kind() == kind).map(TokenSource::name).findFirst().orElse(null);
        }
    }

    // ---- WebSocket ----------------------------------------------------------------------------

    /** How frames are read. {@code auto}: Socket.IO when the query says {@code EIO=4}, else JSON. */
    public enum Format {
        AUTO, JSON, SOCKETIO, TEXT;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A local rate (no store round trip): {@code max} per {@code perMillis} with bursts of
     * {@code burst}. {@code max} 0 disables it.
     */
    public record Rate(int max, long perMillis, int burst) {
        public static final Rate OFF = new Rate(0, 1000, 0);

        public Rate {
            if (max < 0) {
                throw new IllegalArgumentException("max must not be negative, was " + max);
            }
            if (perMillis < 1) {
                throw new IllegalArgumentException("per must be positive");
            }
            burst = burst <= 0 ? max : burst;
        }

        public boolean enabled() {
            return max > 0;
        }
    }

    /**
     * Where the parts of a chat message are in a frame of one event. For JSON frames the pointers
     * apply to the frame; for Socket.IO they apply to the event's argument array (so {@code /0/text}
     * is the first argument's {@code text}).
     *
     * @param event  the event type (the value at {@link Frames#typePointer}, or the Socket.IO event name)
     * @param action the Moat action these frames are checked as ({@code ws_message} by default)
     * @param text   the message text
     * @param to     the recipient; a frame with one is a DM
     * @param room   the room
     * @param dm     true: always a DM; false: a DM only when {@code to} is present
     */
    public record Extractor(String event, String action, String text, String to, String room, boolean dm) {
        public Extractor {
            if (event == null || event.isEmpty()) {
                throw new IllegalArgumentException("event is required");
            }
            action = action == null || action.isBlank() ? "ws_message" : action;
            if (text == null) {
                throw new IllegalArgumentException("text is required (a JSON pointer such as /text)");
            }
            JsonPointers.validate(text);
            if (to != null) {
                JsonPointers.validate(to);
            }
            if (room != null) {
                JsonPointers.validate(room);
            }
        }
    }

    /**
     * What happens to frames from clients.
     *
     * @param events      the event allow-list (empty: every event); frames of other events are refused
     * @param typePointer the JSON pointer to a JSON frame's event type
     * @param messages    extractors: which events carry chat messages, and where their parts are
     * @param action      the Moat action for every other data frame ({@code ws_message}; {@code none}: only the local rate)
     * @param errorFrame  the frame sent back for a refused JSON or text frame; {@code {reason}},
     *                    {@code {message}}, {@code {retry_after_ms}} and {@code {event}} are replaced
     *                    (JSON-escaped)
     * @param errorEvent  the Socket.IO event emitted for a refused Socket.IO packet
     */
    public record Frames(Set<String> events, String typePointer, List<Extractor> messages, String action,
                         String errorFrame, String errorEvent) {
        public static final String DEFAULT_ERROR_FRAME =
                "{\"type\":\"error\",\"reason\":\"{reason}\",\"message\":\"{message}\",\"retry_after_ms\":{retry_after_ms},\"event\":\"{event}\"}";
        public static final Frames DEFAULTS = new Frames(Set.of(), "/type", List.of(), "ws_message", DEFAULT_ERROR_FRAME,
                "moat:error");

        public Frames {
            events = events == null ? Set.of() : Set.copyOf(events);
            typePointer = typePointer == null ? "/type" : typePointer;
            JsonPointers.validate(typePointer);
            messages = messages == null ? List.of() : List.copyOf(messages);
            Set<String> seen = new LinkedHashSet<>();
            for (Extractor e : messages) {
                if (!seen.add(e.event())) {
                    throw new IllegalArgumentException("gateway.websocket.messages: event '" + e.event() + "' is listed twice");
                }
            }
            action = action == null || action.isBlank() ? "ws_message" : action;
            errorFrame = errorFrame == null ? DEFAULT_ERROR_FRAME : errorFrame;
            errorEvent = errorEvent == null || errorEvent.isBlank() ? "moat:error" : errorEvent;
        }

        public Extractor extractorFor(String event) {
            if (event == null) {
                return null;
            }
            for (Extractor e : messages) {
                if (e.event().equals(event)) {
                    return e;
                }
            }
            return null;
        }

        public boolean allows(String event) {
            return events.isEmpty() || (event != null && events.contains(event));
        }

        /** True when non-message frames are checked by Moat. */
        public boolean checksAllFrames() {
            return !"none".equals(action);
        }
    }

    /**
     * Close codes sent to clients.
     *
     * @param kick         a kick (link spam): the user may come back
     * @param ban          a ban: the next handshake is refused
     * @param disconnect   an operator's "disconnect this user now"
     * @param unauthorized a Socket.IO CONNECT refused for its token
     */
    public record CloseCodes(int kick, int ban, int disconnect, int unauthorized) {
        public static final CloseCodes DEFAULTS = new CloseCodes(4008, 4003, 4000, 4001);

        public CloseCodes {
            check("kick", kick);
            check("ban", ban);
            check("disconnect", disconnect);
            check("unauthorized", unauthorized);
        }

        private static void check(String key, int code) {
            if (code < 4000 || code > 4999) {
                throw new IllegalArgumentException("gateway.websocket.close_codes." + key
                        + " must be an application code 4000-4999, was " + code);
            }
        }
    }

    /**
     * Liveness and slow consumers.
     *
     * @param pingIntervalMillis a WebSocket ping every this often (0: none)
     * @param pongTimeoutMillis  no pong (or other frame) this long after a ping closes the connection with 1001
     * @param idleTimeoutMillis  no data frame from the client this long closes it with 1001 (0: never)
     * @param outboundFrames     frames queued for a client that does not read before it is closed with 1008
     * @param outboundBytes      bytes queued likewise
     */
    public record Liveness(long pingIntervalMillis, long pongTimeoutMillis, long idleTimeoutMillis, int outboundFrames,
                           long outboundBytes) {
        public static final Liveness DEFAULTS = new Liveness(25_000, 20_000, 0, 256, 4L * 1024 * 1024);

        public Liveness {
            if (pingIntervalMillis < 0 || pongTimeoutMillis < 0 || idleTimeoutMillis < 0) {
                throw new IllegalArgumentException("gateway.websocket: ping_interval, pong_timeout and idle_timeout must not be negative");
            }
            if (pingIntervalMillis > 0 && pongTimeoutMillis < 1) {
                throw new IllegalArgumentException("gateway.websocket.pong_timeout must be positive when ping_interval is set");
            }
            if (outboundFrames < 1) {
                throw new IllegalArgumentException("gateway.websocket.outbound_queue must be at least 1, was " + outboundFrames);
            }
            if (outboundBytes < 1024) {
                throw new IllegalArgumentException("gateway.websocket.outbound_queue_bytes must be at least 1KB, was " + outboundBytes);
            }
        }
    }

    /**
     * The WebSocket rules.
     *
     * @param format                 how frames are read
     * @param origins                the Origin allow-list (empty: any origin)
     * @param allowMissingOrigin     a handshake without Origin (a non-browser client) passes the allow-list
     * @param maxConnectionsPerUser  open connections per user on this node (0: no cap)
     * @param maxConnectionsPerIp    open connections per client address on this node (0: no cap)
     * @param maxFrameBytes          the largest message a client may send; larger closes with 1009
     * @param perConnection          the local message rate of one connection
     * @param allowPolling           let Socket.IO's HTTP long-polling through (it bypasses frame checks)
     * @param frames                 frame rules
     * @param closeCodes             close codes
     * @param liveness               pings, idle and slow consumers
     */
    public record WebSocket(Format format, List<String> origins, boolean allowMissingOrigin, int maxConnectionsPerUser,
                            int maxConnectionsPerIp, int maxFrameBytes, Rate perConnection, boolean allowPolling,
                            Frames frames, CloseCodes closeCodes, Liveness liveness) {
        public static final WebSocket DEFAULTS = new WebSocket(Format.AUTO, List.of(), true, 10, 50, 64 * 1024,
                new Rate(20, 1000, 40), false, Frames.DEFAULTS, CloseCodes.DEFAULTS, Liveness.DEFAULTS);

        public WebSocket {
            format = format == null ? Format.AUTO : format;
            List<String> o = new ArrayList<>();
            for (String origin : origins == null ? List.<String>of() : origins) {
                o.add(normaliseOrigin(origin));
            }
            origins = List.copyOf(o);
            if (maxConnectionsPerUser < 0 || maxConnectionsPerIp < 0) {
                throw new IllegalArgumentException("gateway.websocket.max_connections_per_user/_per_ip must not be negative");
            }
            if (maxFrameBytes < 16 || maxFrameBytes > 64 * 1024 * 1024) {
                throw new IllegalArgumentException("gateway.websocket.max_frame must be 16 bytes to 64MB, was " + maxFrameBytes);
            }
            perConnection = perConnection == null ? Rate.OFF : perConnection;
            frames = frames == null ? Frames.DEFAULTS : frames;
            closeCodes = closeCodes == null ? CloseCodes.DEFAULTS : closeCodes;
            liveness = liveness == null ? Liveness.DEFAULTS : liveness;
        }

        /** {@code https://Chat.Example.org:443/} → {@code https://chat.example.org}; {@code *} stays. */
        static String normaliseOrigin(String origin) {
            if (origin == null || origin.isBlank()) {
                throw new IllegalArgumentException("gateway.websocket.origins: an entry is empty");
            }
            String s = origin.trim();
            if (s.equals("*") || s.equals("null")) {
                return s;
            }
            URI u;
            try {
                u = URI.create(s);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("gateway.websocket.origins: '" + origin + "' is not an origin");
            }
            if (u.getScheme() == null || u.getHost() == null || (u.getRawPath() != null && !u.getRawPath().isEmpty()
                    && !u.getRawPath().equals("/")) || u.getRawQuery() != null) {
                throw new IllegalArgumentException("gateway.websocket.origins: '" + origin
                        + "' is not an origin (scheme://host[:port], no path)");
            }
            String scheme = u.getScheme().toLowerCase(Locale.ROOT);
            int port = u.getPort();
            boolean defaultPort = port < 0 || (port == 443 && scheme.equals("https")) || (port == 80 && scheme.equals("http"));
            return scheme + "://" + u.getHost().toLowerCase(Locale.ROOT) + (defaultPort ? "" : ":" + port);
        }

        public boolean originAllowed(String origin) {
            if (origins.isEmpty() || origins.contains("*")) {
                return true;
            }
            if (origin == null || origin.isEmpty()) {
                return allowMissingOrigin;
            }
            try {
                return origins.contains(normaliseOrigin(origin));
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
    }
}
