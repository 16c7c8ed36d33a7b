package dev.moat.server.gateway;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import dev.moat.server.config.ConfigError;
import dev.moat.server.config.ConfigException;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Maps the {@code gateway:} section of {@code moat.yaml} (as the YAML loader's plain maps, lists
 * and scalars) onto {@link GatewaySettings}. Every error names its dotted key (and its line, when
 * the loader can tell); unknown keys are errors; every error in the section is reported at once.
 *
 * <p>The YAML loader delegates the section with one call:
 * <pre>{@code GatewaySettings gateway = GatewayConfig.fromMap(section, env, lineOf, errors);}</pre>
 * which appends to the loader's error list and returns null when the section is invalid.
 * {@code ${VAR}} and {@code ${VAR:-default}} left in string values are expanded from {@code env}
 * (a loader that already expanded them leaves none), so secrets stay out of the file.
 */
public final class GatewayConfig {
    private GatewayConfig() {
    }

    /**
     * Parses the section. {@code section} null or absent means no gateway (returns null, no errors).
     *
     * @param section the value under {@code gateway:} (maps, lists, strings, numbers, booleans)
     * @param env     for {@code ${VAR}} expansion; null means none
     * @param lineOf  the line of a dotted key ({@code gateway.jwt.leeway}), 0 when unknown; may be null
     * @param errors  errors are appended here
     * @return the settings, or null when the section is absent or has errors
     */
    public static GatewaySettings fromMap(Map<String, ?> section, Map<String, String> env, ToIntFunction<String> lineOf,
                                          List<ConfigError> errors) {
        return fromMap(section, env, lineOf, null, errors);
    }

    /** As {@link #fromMap(Map, Map, ToIntFunction, List)}, naming the file ({@code moat.yaml}) in each error. */
    public static GatewaySettings fromMap(Map<String, ?> section, Map<String, String> env, ToIntFunction<String> lineOf,
                                          String source, List<ConfigError> errors) {
        if (section == null) {
            return null;
        }
        Ctx ctx = new Ctx(env == null ? Map.of() : env, lineOf == null ? k -> 0 : lineOf, source, errors);
        int before = errors.size();
        GatewaySettings s = gateway(ctx, new Node(ctx, "gateway", section));
        return errors.size() == before ? s : null;
    }

    /** Parses the section or throws with every error. */
    public static GatewaySettings fromMap(Map<String, ?> section, Map<String, String> env) throws ConfigException {
        List<ConfigError> errors = new ArrayList<>();
        GatewaySettings s = fromMap(section, env, null, errors);
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return s;
    }

    // ---- the sections ---------------------------------------------------------------------------

    private static GatewaySettings gateway(Ctx ctx, Node n) {
        String listen = n.string("listen", "127.0.0.1:8080");
        String host = "127.0.0.1";
        int port = 8080;
        if (listen != null) {
            int colon = listen.lastIndexOf(':');
            if (colon <= 0 || colon == listen.length() - 1) {
                n.error("listen", "must be host:port, e.g. 0.0.0.0:8080 or [::]:8080, was '" + listen + "'");
            } else {
                host = listen.substring(0, colon);
                if (host.startsWith("[") && host.endsWith("]")) {
                    host = host.substring(1, host.length() - 1);
                }
                try {
                    port = Integer.parseInt(listen.substring(colon + 1));
                } catch (NumberFormatException e) {
                    n.error("listen", "port must be a number, was '" + listen.substring(colon + 1) + "'");
                }
            }
        }
        int instances = (int) n.integer("instances", 0, 0, 64);
        GatewaySettings.Upstream upstream = upstream(ctx, n);
        GatewaySettings.Http http = http(n.child("http"));
        GatewaySettings.Jwt jwt = jwt(n.child("jwt"));
        GatewaySettings.WebSocket ws = websocket(n.child("websocket"));
        n.finish();
        if (upstream == null || ctx.failed()) {
            return null;
        }
        String h = host;
        int p = port;
        return n.build("listen", () -> new GatewaySettings(h, p, instances, upstream, http, jwt, ws));
    }

    private static GatewaySettings.Upstream upstream(Ctx ctx, Node n) {
        Object raw = n.raw("upstream");
        if (raw == null) {
            n.error("upstream", "is required: the chat server's URL, e.g. http://127.0.0.1:3080");
            return null;
        }
        Node u = raw instanceof String ? new Node(ctx, "gateway.upstream", Map.of("url", raw)) : n.child("upstream");
        String url = u.string("url", null);
        long connect = u.duration("connect_timeout", 5_000);
        long maxFrame = u.size("max_frame", 1 << 20);
        long requestTimeout = u.duration("request_timeout", 0);
        u.finish();
        if (url == null) {
            u.error("url", "is required, e.g. http://127.0.0.1:3080");
            return null;
        }
        URI uri;
        try {
            uri = URI.create(url.trim());
        } catch (IllegalArgumentException e) {
            u.error("url", "is not a URL: '" + url + "'");
            return null;
        }
        return u.build("url", () -> new GatewaySettings.Upstream(uri, connect, (int) Math.min(Integer.MAX_VALUE, maxFrame),
                requestTimeout));
    }

    private static GatewaySettings.Http http(Node n) {
        long maxBody = n.size("max_body", 64 * 1024);
        List<GatewaySettings.HttpRule> rules = new ArrayList<>();
        List<Node> ruleNodes = n.children("rules");
        for (Node r : ruleNodes) {
            GatewaySettings.HttpRule rule = rule(r);
            if (rule != null) {
                rules.add(rule);
            }
        }
        n.finish();
        return n.build("max_body", () -> new GatewaySettings.Http(maxBody, rules));
    }

    private static GatewaySettings.HttpRule rule(Node r) {
        Set<String> methods = new LinkedHashSet<>();
        for (String m : r.strings("method")) {
            String up = m.trim().toUpperCase(Locale.ROOT);
            if (up.equals("*") || up.equals("ANY")) {
                methods.clear();
                break;
            }
            if (!up.matches("[A-Z]+")) {
                r.error("method", "'" + m + "' is not an HTTP method");
            }
            methods.add(up);
        }
        String pathText = r.string("path", null);
        PathPattern path = null;
        if (pathText == null) {
            r.error("path", "is required, e.g. /api/auth/login");
        } else {
            try {
                path = PathPattern.parse(pathText);
            } catch (IllegalArgumentException e) {
                r.error("path", e.getMessage());
            }
        }
        String action = r.string("action", null);
        if (action == null) {
            r.error("action", "is required: the Moat action to check, e.g. login");
        }
        GatewaySettings.Source user = r.source("user");
        GatewaySettings.Source email = r.source("email");
        GatewaySettings.Source text = r.source("text");
        GatewaySettings.Source to = r.source("to");
        GatewaySettings.Source room = r.source("room");
        long cost = r.integer("cost", 1, 0, Long.MAX_VALUE);
        r.finish();
        if (path == null || action == null) {
            return null;
        }
        PathPattern p = path;
        return r.build("action", () -> new GatewaySettings.HttpRule(methods, p, action, user, email, text, to, room, cost));
    }

    private static GatewaySettings.Jwt jwt(Node n) {
        GatewaySettings.Jwt d = GatewaySettings.Jwt.NONE;
        boolean required = n.bool("required", false);
        List<GatewaySettings.TokenSource> sources = new ArrayList<>();
        if (n.has("sources")) {
            for (String s : n.strings("sources")) {
                try {
                    sources.add(GatewaySettings.TokenSource.parse(s));
                } catch (IllegalArgumentException e) {
                    n.error("sources", e.getMessage());
                }
            }
        }
        Set<JWSAlgorithm> algorithms = new LinkedHashSet<>();
        if (n.has("algorithms")) {
            for (String a : n.strings("algorithms")) {
                String name = a.trim();
                if (name.equalsIgnoreCase("none")) {
                    n.error("algorithms", "'none' is never allowed: unsigned tokens would let anyone be anyone");
                } else if (!GatewaySettings.SUPPORTED_ALGORITHMS.contains(name)) {
                    n.error("algorithms", "'" + a + "' is not supported; use " + new java.util.TreeSet<>(GatewaySettings.SUPPORTED_ALGORITHMS));
                } else {
                    algorithms.add(JWSAlgorithm.parse(name));
                }
            }
        } else {
            algorithms.addAll(d.algorithms());
        }
        List<GatewaySettings.VerificationKey> keys = new ArrayList<>();
        List<Node> keyNodes = n.children("keys");
        for (Node k : keyNodes) {
            GatewaySettings.VerificationKey key = key(k, algorithms);
            if (key != null) {
                keys.add(key);
            }
        }
        String jwksFile = n.string("jwks_file", null);
        String jwksUrlText = n.string("jwks_url", null);
        URI jwksUrl = null;
        if (jwksUrlText != null) {
            try {
                jwksUrl = URI.create(jwksUrlText.trim());
            } catch (IllegalArgumentException e) {
                n.error("jwks_url", "is not a URL: '" + jwksUrlText + "'");
            }
        }
        long refresh = n.duration("jwks_refresh", d.jwksRefreshMillis());
        long timeout = n.duration("jwks_timeout", d.jwksTimeoutMillis());
        List<String> issuers = n.strings("issuer");
        List<String> audiences = n.strings("audience");
        long leeway = n.duration("leeway", d.leewayMillis());
        String userClaim = n.string("user_claim", d.userClaim());
        boolean requireExp = n.bool("require_exp", true);
        boolean revocation = n.bool("check_revocation", true);
        n.finish();
        URI url = jwksUrl;
        return n.build("required", () -> new GatewaySettings.Jwt(required, sources, algorithms, keys, jwksFile, url, refresh,
                timeout, issuers, audiences, leeway, userClaim, requireExp, revocation));
    }

    private static GatewaySettings.VerificationKey key(Node k, Set<JWSAlgorithm> allowed) {
        String kid = k.string("kid", null);
        String alg = k.string("alg", null);
        String secret = k.string("secret", null);
        String pem = k.string("public_key", null);
        Map<String, Object> jwkMap = k.map("jwk");
        k.finish();
        int given = (secret != null ? 1 : 0) + (pem != null ? 1 : 0) + (jwkMap != null ? 1 : 0);
        if (given != 1) {
            k.error("", "a key needs exactly one of secret, public_key, jwk");
            return null;
        }
        JWK jwk;
        try {
            if (secret != null) {
                if (secret.getBytes(java.nio.charset.StandardCharsets.UTF_8).length < 32) {
                    k.error("secret", "is shorter than 32 bytes; HS256 needs a secret of at least 256 bits (RFC 7518 3.2)");
                    return null;
                }
                jwk = Keys.secret(secret, kid);
            } else if (pem != null) {
                jwk = Keys.fromPem(pem, kid);
            } else {
                jwk = Keys.publicOf(JWK.parse(jwkMap));
                if (kid != null && jwk.getKeyID() == null) {
                    jwk = JWK.parse(withKid(jwk.toJSONObject(), kid));
                }
            }
        } catch (java.text.ParseException | IllegalArgumentException e) {
            k.error(secret != null ? "secret" : pem != null ? "public_key" : "jwk", e.getMessage());
            return null;
        }
        Set<JWSAlgorithm> algs = new LinkedHashSet<>(allowed);
        if (alg != null) {
            if (!GatewaySettings.SUPPORTED_ALGORITHMS.contains(alg.trim())) {
                k.error("alg", "'" + alg + "' is not supported");
                return null;
            }
            algs.retainAll(Set.of(JWSAlgorithm.parse(alg.trim())));
            if (algs.isEmpty()) {
                k.error("alg", "'" + alg + "' is not in gateway.jwt.algorithms");
                return null;
            }
        }
        Set<JWSAlgorithm> fit = Keys.algorithmsFor(jwk, algs);
        if (fit.isEmpty()) {
            k.error(alg != null ? "alg" : "", "a " + jwk.getKeyType() + " key" + (alg != null ? " cannot verify " + alg
                    : " can verify none of gateway.jwt.algorithms " + allowed) + " (a key type pins its algorithms)");
            return null;
        }
        return new GatewaySettings.VerificationKey(jwk, fit);
    }

    private static Map<String, Object> withKid(Map<String, Object> json, String kid) {
        Map<String, Object> m = new LinkedHashMap<>(json);
        m.put("kid", kid);
        return m;
    }

    private static GatewaySettings.WebSocket websocket(Node n) {
        GatewaySettings.WebSocket d = GatewaySettings.WebSocket.DEFAULTS;
        GatewaySettings.Format format = d.format();
        String f = n.string("format", null);
        if (f != null) {
            try {
                format = GatewaySettings.Format.valueOf(f.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                n.error("format", "must be auto, json, socketio or text, was '" + f + "'");
            }
        }
        List<String> origins = n.strings("origins");
        boolean allowMissingOrigin = n.bool("allow_missing_origin", d.allowMissingOrigin());
        int perUser = (int) n.integer("max_connections_per_user", d.maxConnectionsPerUser(), 0, 1_000_000);
        int perIp = (int) n.integer("max_connections_per_ip", d.maxConnectionsPerIp(), 0, 1_000_000);
        long maxFrame = n.size("max_frame", d.maxFrameBytes());
        GatewaySettings.Rate perConnection = d.perConnection();
        if (n.has("per_connection")) {
            Node r = n.child("per_connection");
            int max = (int) r.integer("max", d.perConnection().max(), 0, 1_000_000);
            long per = r.duration("per", d.perConnection().perMillis());
            int burst = (int) r.integer("burst", 0, 0, 1_000_000);
            r.finish();
            perConnection = r.build("max", () -> new GatewaySettings.Rate(max, per, burst));
        }
        boolean polling = n.bool("allow_polling", d.allowPolling());

        GatewaySettings.Frames fd = GatewaySettings.Frames.DEFAULTS;
        Set<String> events = new LinkedHashSet<>(n.strings("events"));
        String type = n.string("type", fd.typePointer());
        if (type != null) {
            try {
                JsonPointers.validate(type);
            } catch (IllegalArgumentException e) {
                n.error("type", e.getMessage());
            }
        }
        List<GatewaySettings.Extractor> messages = new ArrayList<>();
        for (Node m : n.children("messages")) {
            String event = m.string("event", null);
            String action = m.string("action", null);
            String text = m.string("text", null);
            String to = m.string("to", null);
            String room = m.string("room", null);
            boolean dm = m.bool("dm", false);
            m.finish();
            GatewaySettings.Extractor e = m.build("event", () -> new GatewaySettings.Extractor(event, action, text, to, room, dm));
            if (e != null) {
                messages.add(e);
            }
        }
        String action = n.string("action", fd.action());
        String errorFrame = n.string("error_frame", fd.errorFrame());
        String errorEvent = n.string("error_event", fd.errorEvent());
        GatewaySettings.Frames frames = n.build("messages", () -> new GatewaySettings.Frames(events, type, messages, action,
                errorFrame, errorEvent));

        GatewaySettings.CloseCodes cd = GatewaySettings.CloseCodes.DEFAULTS;
        GatewaySettings.CloseCodes codes = cd;
        if (n.has("close_codes")) {
            Node c = n.child("close_codes");
            int kick = (int) c.integer("kick", cd.kick(), 0, 4999);
            int ban = (int) c.integer("ban", cd.ban(), 0, 4999);
            int disconnect = (int) c.integer("disconnect", cd.disconnect(), 0, 4999);
            int unauthorized = (int) c.integer("unauthorized", cd.unauthorized(), 0, 4999);
            c.finish();
            codes = c.build("", () -> new GatewaySettings.CloseCodes(kick, ban, disconnect, unauthorized));
        }
        GatewaySettings.Liveness ld = GatewaySettings.Liveness.DEFAULTS;
        long ping = n.duration("ping_interval", ld.pingIntervalMillis());
        long pong = n.duration("pong_timeout", ld.pongTimeoutMillis());
        long idle = n.duration("idle_timeout", ld.idleTimeoutMillis());
        int outFrames = (int) n.integer("outbound_queue", ld.outboundFrames(), 1, 1_000_000);
        long outBytes = n.size("outbound_queue_bytes", ld.outboundBytes());
        GatewaySettings.Liveness liveness = n.build("ping_interval", () -> new GatewaySettings.Liveness(ping, pong, idle,
                outFrames, outBytes));
        n.finish();
        GatewaySettings.Format fm = format;
        GatewaySettings.Rate pc = perConnection;
        GatewaySettings.CloseCodes cc = codes;
        return n.build("", () -> new GatewaySettings.WebSocket(fm, origins, allowMissingOrigin, perUser, perIp,
                (int) Math.min(Integer.MAX_VALUE, maxFrame), pc, polling, frames, cc, liveness));
    }

    // ---- durations and sizes (config spec syntax) ---------------------------------------------

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d|w)?");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|MB|GB)?", Pattern.CASE_INSENSITIVE);

    /** {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}, {@code 1d}, {@code 1w} or integer milliseconds. */
    public static long parseDurationMillis(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (500ms, 30s, 5m, 2h, 1d, 1w or milliseconds)");
        }
        long v = Long.parseLong(m.group(1));
        long unit = switch (m.group(2) == null ? "ms" : m.group(2)) {
            case "s" -> 1000L;
            case "m" -> 60_000L;
            case "h" -> 3_600_000L;
            case "d" -> 86_400_000L;
            case "w" -> 604_800_000L;
            default -> 1L;
        };
        return Math.multiplyExact(v, unit);
    }

    /** {@code 512}, {@code 20KB}, {@code 20MB}, {@code 1GB} (powers of 1024). */
    public static long parseSize(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size (512, 20KB, 20MB, 1GB)");
        }
        long v = Long.parseLong(m.group(1));
        long unit = switch (m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT)) {
            case "KB" -> 1024L;
            case "MB" -> 1024L * 1024;
            case "GB" -> 1024L * 1024 * 1024;
            default -> 1L;
        };
        return Math.multiplyExact(v, unit);
    }

    private static final Pattern ENV = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");

    // ---- a typed, key-tracking reader ---------------------------------------------------------

    private static final class Ctx {
        final Map<String, String> env;
        final ToIntFunction<String> lineOf;
        final String source;
        final List<ConfigError> errors;
        final int start;

        Ctx(Map<String, String> env, ToIntFunction<String> lineOf, String source, List<ConfigError> errors) {
            this.env = env;
            this.lineOf = lineOf;
            this.source = source;
            this.errors = errors;
            this.start = errors.size();
        }

        private final Set<String> errored = new java.util.HashSet<>();

        /** Records one error per key: the first says what is wrong, later ones would only follow from it. */
        void error(String key, String message) {
            if (!errored.add(key)) {
                return;
            }
            int line;
            try {
                line = lineOf.applyAsInt(key);
            } catch (RuntimeException e) {
                line = 0;
            }
            errors.add(new ConfigError(key, line, message, source));
        }

        boolean failed() {
            return errors.size() > start;
        }
    }

    /** One map of the section, with its dotted key; remembers which keys were read. */
    private static final class Node {
        final Ctx ctx;
        final String key;
        final Map<String, ?> map;
        final Set<String> read = new LinkedHashSet<>();

        Node(Ctx ctx, String key, Map<String, ?> map) {
            this.ctx = ctx;
            this.key = key;
            this.map = map == null ? Map.of() : map;
        }

        String k(String name) {
            return name.isEmpty() ? key : key + "." + name;
        }

        void error(String name, String message) {
            ctx.error(k(name), message);
        }

        boolean has(String name) {
            return map.get(name) != null;
        }

        Object raw(String name) {
            read.add(name);
            Object v = map.get(name);
            return v instanceof String s ? expand(name, s) : v;
        }

        private String expand(String name, String s) {
            if (s.indexOf("${") < 0) {
                return s;
            }
            Matcher m = ENV.matcher(s);
            StringBuilder sb = new StringBuilder();
            while (m.find()) {
                String v = ctx.env.get(m.group(1));
                if (v == null || (v.isEmpty() && m.group(2) != null)) {
                    v = m.group(2) != null ? m.group(3) : null;
                }
                if (v == null) {
                    error(name, "environment variable " + m.group(1) + " is not set (use ${" + m.group(1)
                            + ":-default} for a default)");
                    v = "";
                }
                m.appendReplacement(sb, Matcher.quoteReplacement(v));
            }
            m.appendTail(sb);
            return sb.toString();
        }

        String string(String name, String dflt) {
            Object v = raw(name);
            if (v == null) {
                return dflt;
            }
            if (v instanceof String || v instanceof Number || v instanceof Boolean) {
                return v.toString();
            }
            error(name, "must be a string, was " + describe(v));
            return dflt;
        }

        boolean bool(String name, boolean dflt) {
            Object v = raw(name);
            if (v == null) {
                return dflt;
            }
            if (v instanceof Boolean b) {
                return b;
            }
            if (v instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
                return Boolean.parseBoolean(s);
            }
            error(name, "must be true or false, was " + describe(v));
            return dflt;
        }

        long integer(String name, long dflt, long min, long max) {
            Object v = raw(name);
            if (v == null) {
                return dflt;
            }
            long n;
            if (v instanceof Integer || v instanceof Long || v instanceof Short) {
                n = ((Number) v).longValue();
            } else if (v instanceof String s && s.trim().matches("-?\\d{1,18}")) {
                n = Long.parseLong(s.trim());
            } else {
                error(name, "must be an integer, was " + describe(v));
                return dflt;
            }
            if (n < min || n > max) {
                error(name, "must be " + min + " to " + max + ", was " + n);
                return dflt;
            }
            return n;
        }

        long duration(String name, long dflt) {
            return amount(name, dflt, GatewayConfig::parseDurationMillis, "too long", "a duration such as 30s");
        }

        long size(String name, long dflt) {
            return amount(name, dflt, GatewayConfig::parseSize, "too large", "a size such as 64KB");
        }

        /**
         * A duration or a size: a non-negative integer as it is, or text read by {@code parse}
         * ({@code overflow} names what text too big for a long is; {@code expected} what was wanted).
         */
        private long amount(String name, long dflt, java.util.function.ToLongFunction<String> parse, String overflow,
                            String expected) {
            Object v = raw(name);
            if (v == null) {
                return dflt;
            }
            if (v instanceof Integer || v instanceof Long) {
                long n = ((Number) v).longValue();
                if (n < 0) {
                    error(name, "must not be negative, was " + n);
                    return dflt;
                }
                return n;
            }
            if (v instanceof String s) {
                try {
                    return parse.applyAsLong(s);
                } catch (IllegalArgumentException | ArithmeticException e) {
                    error(name, e instanceof ArithmeticException ? "'" + s + "' is " + overflow : e.getMessage());
                    return dflt;
                }
            }
            error(name, "must be " + expected + ", was " + describe(v));
            return dflt;
        }

        /** A string or a list of strings (a single string is a list of one). */
        List<String> strings(String name) {
            Object v = raw(name);
            if (v == null) {
                return List.of();
            }
            List<String> out = new ArrayList<>();
            if (v instanceof String s) {
                out.add(s);
            } else if (v instanceof List<?> l) {
                for (int i = 0; i < l.size(); i++) {
                    Object e = l.get(i);
                    if (e instanceof String s) {
                        out.add(s.indexOf("${") >= 0 ? expand(name + "[" + i + "]", s) : s);
                    } else if (e instanceof Number || e instanceof Boolean) {
                        out.add(e.toString());
                    } else {
                        error(name + "[" + i + "]", "must be a string, was " + describe(e));
                    }
                }
            } else {
                error(name, "must be a string or a list of strings, was " + describe(v));
            }
            return out;
        }

        @SuppressWarnings("unchecked")
        Map<String, Object> map(String name) {
            Object v = raw(name);
            if (v == null) {
                return null;
            }
            if (v instanceof Map<?, ?> m) {
                return (Map<String, Object>) m;
            }
            error(name, "must be a map, was " + describe(v));
            return null;
        }

        Node child(String name) {
            Map<String, Object> m = map(name);
            return new Node(ctx, k(name), m);
        }

        @SuppressWarnings("unchecked")
        List<Node> children(String name) {
            Object v = raw(name);
            if (v == null) {
                return List.of();
            }
            if (!(v instanceof List<?> l)) {
                error(name, "must be a list, was " + describe(v));
                return List.of();
            }
            List<Node> out = new ArrayList<>();
            for (int i = 0; i < l.size(); i++) {
                Object e = l.get(i);
                if (e instanceof Map<?, ?> m) {
                    out.add(new Node(ctx, k(name) + "[" + i + "]", (Map<String, Object>) m));
                } else {
                    ctx.error(k(name) + "[" + i + "]", "must be a map, was " + describe(e));
                }
            }
            return out;
        }

        GatewaySettings.Source source(String name) {
            String s = string(name, null);
            if (s == null) {
                return null;
            }
            try {
                return GatewaySettings.Source.parse(s);
            } catch (IllegalArgumentException e) {
                error(name, e.getMessage());
                return null;
            }
        }

        /** Reports keys that were never read. */
        void finish() {
            for (String name : map.keySet()) {
                if (!read.contains(name)) {
                    error(String.valueOf(name), "unknown key");
                }
            }
        }

        /** Runs a record constructor, turning its IllegalArgumentException into an error on the right key. */
        <T> T build(String fallbackName, java.util.function.Supplier<T> constructor) {
            try {
                return constructor.get();
            } catch (IllegalArgumentException | NullPointerException e) {
                String msg = String.valueOf(e.getMessage());
                Matcher m = Pattern.compile("^(gateway(?:\\.[a-z_]+)+)(?::)?\\s+(.*)$", Pattern.DOTALL).matcher(msg);
                if (m.matches()) {
                    ctx.error(m.group(1), m.group(2));
                } else {
                    error(fallbackName, msg);
                }
                return null;
            }
        }

        private static String describe(Object v) {
            if (v instanceof Map) {
                return "a map";
            }
            if (v instanceof List) {
                return "a list";
            }
            return "'" + v + "'";
        }
    }
}
