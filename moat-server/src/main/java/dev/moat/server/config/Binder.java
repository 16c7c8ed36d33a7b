package dev.moat.server.config;

import dev.moat.core.content.Filter;
import dev.moat.core.content.FilterAction;
import dev.moat.core.content.LinkSpamPolicy;
import dev.moat.core.content.Place;
import dev.moat.core.content.TextMatcher;
import dev.moat.core.identity.Cidr;
import dev.moat.core.identity.Subject;
import dev.moat.core.limit.Algorithm;
import dev.moat.core.limit.LimitSpec;
import dev.moat.core.policy.BanPolicy;
import dev.moat.core.policy.By;
import dev.moat.core.policy.ConcurrencyConfig;
import dev.moat.core.policy.LimitConfig;
import dev.moat.core.policy.ModerationPolicy;
import dev.moat.core.policy.MoatPolicy;
import dev.moat.core.policy.Presets;
import dev.moat.core.policy.RateLimits;
import dev.moat.core.policy.RealmLimits;
import dev.moat.core.policy.RequestChecks;
import dev.moat.core.policy.Restrictions;
import dev.moat.core.policy.ViolationPolicy;
import dev.moat.server.config.Tree.Entry;
import dev.moat.server.config.Tree.ListNode;
import dev.moat.server.config.Tree.MapNode;
import dev.moat.server.config.Tree.Node;
import dev.moat.server.config.Tree.Origin;
import dev.moat.server.config.Tree.Scalar;

import dev.moat.server.gateway.GatewayConfig;
import dev.moat.server.gateway.GatewaySettings;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Maps a config tree onto the validated records, section by section. Every problem is recorded
 * (key, line, message quoting the bad value) and binding carries on with the default, so one pass
 * reports everything wrong with a file; the caller throws if anything was recorded.
 */
final class Binder {

    /** Names of restrictions, actions, violation types and filters: no dots (they would break dotted keys). */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private final List<ConfigError> errors;
    private final Expander expander;

    Binder(List<ConfigError> errors, Expander expander) {
        this.errors = errors;
        this.expander = expander;
    }

    MoatConfig bind(MapNode root, String version) {
        Section top = new Section("", root, root.origin);
        top.allow("server", "store", "rate_limits", "violations", "bans", "link_spam", "filters", "moderation",
                "request_checks", "webhook", "gateway");
        ServerSettings server = server(top.section("server"));
        StoreSettings store = store(top.section("store"));
        RateLimits rateLimits = rateLimits(top.section("rate_limits"));
        ViolationPolicy violations = violations(top.section("violations"));
        BanPolicy bans = bans(top.section("bans"));
        LinkSpamPolicy linkSpam = linkSpam(top.section("link_spam"));
        List<Filter> filters = filters(top, "filters");
        Section mod = top.section("moderation");
        ModerationSettings moderationSettings = moderationSettings(mod);
        ModerationPolicy moderationPolicy = moderationPolicy(mod);
        RequestChecks requestChecks = requestChecks(top.section("request_checks"));
        WebhookSettings webhook = webhook(top.section("webhook"));
        MoatPolicy policy = new MoatPolicy(rateLimits, violations, bans, linkSpam, filters, moderationPolicy,
                requestChecks);
        GatewaySettings gateway = gateway(top.entry("gateway"));
        return new MoatConfig(server, store, policy, moderationSettings, webhook, version, gateway);
    }

    // ------------------------------------------------------------------ gateway

    /** The gateway parses its own section (dev.moat.server.gateway.GatewayConfig); here it gets plain values and lines. */
    private GatewaySettings gateway(Entry e) {
        if (e == null || (e.value() instanceof Scalar sc && sc.text == null)) {
            return null;
        }
        if (!(e.value() instanceof MapNode)) {
            errors.add(new ConfigError("gateway", e.keyOrigin().line(), "must be a map, not " + e.value().kind(),
                    e.keyOrigin().source()));
            return null;
        }
        Map<String, Integer> lines = new HashMap<>();
        Object section = plain(e.value(), "gateway", lines);
        @SuppressWarnings("unchecked")
        Map<String, ?> map = (Map<String, ?>) section;
        int fallback = e.keyOrigin().line();
        return GatewayConfig.fromMap(map, expander.env(), k -> lines.getOrDefault(k, fallback), e.keyOrigin().source(),
                errors);
    }

    /** A tree node as plain maps, lists and strings (unexpanded), recording each dotted key's line. */
    private static Object plain(Node n, String path, Map<String, Integer> lines) {
        lines.put(path, n.origin.line());
        if (n instanceof MapNode m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Entry child : m.entries.values()) {
                String childPath = path + "." + child.key();
                out.put(child.key(), plain(child.value(), childPath, lines));
                lines.put(childPath, child.keyOrigin().line());
            }
            return out;
        }
        if (n instanceof ListNode l) {
            List<Object> out = new ArrayList<>();
            for (int i = 0; i < l.items.size(); i++) {
                out.add(plain(l.items.get(i), path + "[" + i + "]", lines));
            }
            return out;
        }
        return ((Scalar) n).text;
    }

    // ------------------------------------------------------------------ server

    private ServerSettings server(Section s) {
        s.allow("listen", "api_keys", "trusted_proxies", "max_body", "log_message_text", "bench_noop_endpoint",
                "idle_timeout");
        ServerSettings d = ServerSettings.DEFAULTS;
        String host = d.host();
        int port = d.port();
        boolean listenOk = true;
        Val listen = s.val("listen");
        if (listen != null) {
            try {
                HostPort hp = HostPort.parse(listen.text, 0);
                host = hp.host();
                port = hp.port();
            } catch (IllegalArgumentException e) {
                listenOk = false;
                error(listen, e.getMessage());
            }
        }
        List<Item> keyItems = s.items("api_keys");
        List<ApiKey> keys = new ArrayList<>();
        Map<String, String> seenKeys = new HashMap<>();
        Map<String, String> seenNames = new HashMap<>();
        for (Item item : keyItems) {
            Section k = item.section("{key, role, name}");
            if (k == null) {
                continue;
            }
            k.allow("key", "role", "name");
            Val key = k.required("key", "every API key needs key and role");
            String role = k.choice("role", null, "client", "admin");
            if (role == null && !k.has("role")) {
                k.missing("role", "every API key needs key and role (client or admin)");
            }
            String name = k.string("name", "key-" + (item.index + 1));
            if (key == null) {
                continue;
            }
            // the key itself never appears in a message: only its length and where it is
            if (key.text.length() < 16) {
                error(key, "a key must be at least 16 characters, this one has " + key.text.length());
                continue;
            }
            if (!key.text.equals(key.text.strip()) || key.text.chars().anyMatch(Character::isISOControl)) {
                error(key, "a key must not contain leading/trailing spaces or control characters");
                continue;
            }
            String firstAt = seenKeys.putIfAbsent(key.text, k.path);
            if (firstAt != null) {
                error(key, "the same key is already configured at " + firstAt);
                continue;
            }
            String sameName = seenNames.putIfAbsent(name, k.path);
            if (sameName != null) {
                error(k.key("name"), k.lineOf("name"), k.originOf("name"),
                        "name '" + name + "' is already used by " + sameName);
                continue;
            }
            if (role != null) {
                keys.add(new ApiKey(name, key.text, ApiKey.Role.valueOf(role.toUpperCase(Locale.ROOT))));
            }
        }
        List<String> proxies = new ArrayList<>();
        for (Val v : s.strings("trusted_proxies")) {
            try {
                proxies.add(Cidr.parse(v.text.strip()).toString());
            } catch (IllegalArgumentException e) {
                error(v, e.getMessage());
            }
        }
        long maxBody = s.size("max_body", d.maxBodyBytes(), 1);
        boolean logText = s.bool("log_message_text", d.logMessageText());
        boolean benchNoop = s.bool("bench_noop_endpoint", d.benchNoopEndpoint());
        long idleTimeout = s.duration("idle_timeout", d.idleTimeoutMillis(), 1000);
        ServerSettings out;
        try {
            out = new ServerSettings(host, port, keys, proxies, maxBody, logText, benchNoop, idleTimeout);
        } catch (IllegalArgumentException e) {
            s.fail(e);
            return d;
        }
        if (listenOk && keyItems.isEmpty() && !out.loopback()) {
            Origin o = listen != null ? listen.origin : s.origin;
            error("server.listen", o.line(), o, "refusing to listen on " + HostPort.format(host, port)
                    + " without server.api_keys: the API accepts unauthenticated calls only on a loopback address"
                    + " (127.0.0.1, ::1, localhost); add api_keys or listen on loopback");
        }
        return out;
    }

    // ------------------------------------------------------------------ store

    private StoreSettings store(Section s) {
        s.allow("type", "data_dir", "max_keys", "redis");
        StoreSettings d = StoreSettings.DEFAULTS;
        String type = s.choice("type", d.type(), "memory", "redis");
        String dataDir = s.string("data_dir", d.dataDir());
        if (dataDir.isBlank()) {
            s.invalid("data_dir", "must not be empty");
            dataDir = d.dataDir();
        }
        int maxKeys = (int) s.integer("max_keys", d.maxKeys(), 1, Integer.MAX_VALUE);
        Section r = s.section("redis");
        r.allow("uri", "nodes", "key_prefix", "on_failure", "timeout");
        StoreSettings.Redis rd = StoreSettings.Redis.DEFAULTS;
        String uri = rd.uri();
        Val u = r.val("uri");
        if (u != null) {
            String problem = redisUriProblem(u.text.strip());
            if (problem != null) {
                error(u, problem);
            } else {
                uri = u.text.strip();
            }
        }
        List<String> nodes = new ArrayList<>();
        for (Val v : r.strings("nodes")) {
            try {
                HostPort hp = HostPort.parse(v.text, 1);
                nodes.add(HostPort.format(hp.host(), hp.port()));
            } catch (IllegalArgumentException e) {
                error(v, e.getMessage());
            }
        }
        String prefix = r.string("key_prefix", rd.keyPrefix());
        if (prefix.isEmpty() || prefix.length() > 64 || !prefix.chars().allMatch(c -> c > ' ' && c < 127)) {
            r.invalid("key_prefix", "must be 1 to 64 visible ASCII characters, got '" + prefix + "'");
            prefix = rd.keyPrefix();
        }
        String onFailure = r.choice("on_failure", rd.onFailure(), "local", "allow", "deny");
        long timeout = r.duration("timeout", rd.timeoutMillis(), 1);
        try {
            return new StoreSettings(type, dataDir, maxKeys, new StoreSettings.Redis(uri, nodes, prefix, onFailure, timeout));
        } catch (IllegalArgumentException e) {
            s.fail(e);
            return d;
        }
    }

    /** Null when {@code uri} is a usable redis:// or rediss:// URI; the message never shows the password. */
    private static String redisUriProblem(String uri) {
        String shown = MaskedUri.mask(uri);
        try {
            URI parsed = new URI(uri);
            String scheme = parsed.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("redis") || scheme.equalsIgnoreCase("rediss"))) {
                return "expected a redis:// or rediss:// URI, got '" + shown + "'";
            }
            if (parsed.getHost() == null) {
                return "no host in '" + shown + "'";
            }
            return null;
        } catch (URISyntaxException e) {
            return "not a URI: '" + shown + "'";
        }
    }

    // ------------------------------------------------------------------ rate limits

    private RateLimits rateLimits(Section s) {
        s.allow("preset", "client", "federation", "exempt");
        String preset = s.choice("preset", "private_small", Presets.NAMES.toArray(String[]::new));
        Set<String> clientOff = new LinkedHashSet<>();
        Set<String> federationOff = new LinkedHashSet<>();
        RealmLimits client = realm(s.section("client"), true, clientOff);
        RealmLimits federation = realm(s.section("federation"), false, federationOff);
        List<String> exempt = new ArrayList<>();
        for (Val v : s.strings("exempt")) {
            try {
                exempt.add(Subject.parse(v.text.strip()).toString());
            } catch (IllegalArgumentException e) {
                error(v, e.getMessage());
            }
        }
        try {
            RateLimits merged = RateLimits.fromPreset(preset, client, federation, exempt);
            // `concurrent: {name: off}` removes a preset's entry; RealmLimits.mergedWith only adds or replaces
            return new RateLimits(merged.preset(), withoutConcurrent(merged.client(), clientOff),
                    withoutConcurrent(merged.federation(), federationOff), merged.exempt());
        } catch (IllegalArgumentException e) {
            s.fail(e);
            return RateLimits.fromPreset("private_small", null, null, List.of());
        }
    }

    private static RealmLimits withoutConcurrent(RealmLimits r, Set<String> off) {
        if (off.isEmpty()) {
            return r;
        }
        Map<String, ConcurrencyConfig> c = new LinkedHashMap<>(r.concurrent());
        c.keySet().removeAll(off);
        return new RealmLimits(r.target(), r.global(), c);
    }

    private RealmLimits realm(Section s, boolean client, Set<String> concurrentOff) {
        if (client) {
            s.allow("target", "global", "concurrent");
        } else {
            s.allow("target", "global");
        }
        Map<String, List<LimitConfig>> target = limitsByRestriction(s.section("target"), false);
        Map<String, List<LimitConfig>> global = limitsByRestriction(s.section("global"), true);
        Map<String, ConcurrencyConfig> concurrent = new LinkedHashMap<>();
        if (client) {
            Section c = s.section("concurrent");
            for (Entry e : c.entries()) {
                String path = c.key(e.key());
                if (!validName(c, e, "an action")) {
                    continue;
                }
                if (isOff(e.value(), path)) {
                    concurrentOff.add(e.key());
                    continue;
                }
                Section one = c.child(e, "{max, lease}, or off");
                if (one == null) {
                    continue;
                }
                one.allow("max", "lease");
                Val max = one.required("max", "a concurrency limit needs max");
                long maxValue = max == null ? 1 : integer(max, 1, 1, 1_000_000);
                long lease = one.duration("lease", 60_000, 1);
                if (max != null) {
                    try {
                        concurrent.put(e.key(), new ConcurrencyConfig((int) maxValue, lease));
                    } catch (IllegalArgumentException ex) {
                        one.fail(ex);
                    }
                }
            }
        }
        return new RealmLimits(target, global, concurrent);
    }

    private Map<String, List<LimitConfig>> limitsByRestriction(Section s, boolean global) {
        Map<String, List<LimitConfig>> out = new LinkedHashMap<>();
        for (Entry e : s.entries()) {
            if (!validName(s, e, "a restriction")) {
                continue;
            }
            String path = s.key(e.key());
            Node n = e.value();
            List<LimitConfig> limits = new ArrayList<>();
            if (isOff(n, path)) {
                out.put(e.key(), List.of());
                continue;
            }
            if (n instanceof MapNode m) {
                LimitConfig l = limit(new Section(path, m, m.origin), e.key(), global);
                if (l != null) {
                    limits.add(l);
                }
            } else if (n instanceof ListNode list) {
                for (int i = 0; i < list.items.size(); i++) {
                    Node item = list.items.get(i);
                    String itemPath = path + "[" + i + "]";
                    if (item instanceof MapNode m) {
                        LimitConfig l = limit(new Section(itemPath, m, m.origin), e.key(), global);
                        if (l != null) {
                            limits.add(l);
                        }
                    } else {
                        error(itemPath, item.origin.line(), item.origin,
                                "expected a limit {max, per, by, algorithm, burst, precision}, got " + item.kind());
                    }
                }
            } else {
                error(path, n.origin.line(), n.origin,
                        "expected a limit {max, per, ...}, a list of limits, or off; got " + n.kind());
                continue;
            }
            out.put(e.key(), limits);
        }
        return out;
    }

    /** {@code off} (or an explicit empty list) removes whatever the preset had for a restriction. */
    private boolean isOff(Node n, String path) {
        if (n instanceof ListNode l && l.items.isEmpty()) {
            return true;
        }
        if (n instanceof Scalar s && s.text != null) {
            try {
                return "off".equals(expander.expand(s.text).strip());
            } catch (IllegalArgumentException e) {
                error(path, s.origin.line(), s.origin, e.getMessage());
                return false;
            }
        }
        return false;
    }

    private LimitConfig limit(Section l, String restriction, boolean global) {
        l.allow("max", "per", "by", "algorithm", "burst", "precision");
        Val max = l.required("max", "every limit needs max and per");
        Val per = l.required("per", "every limit needs max and per");
        long maxValue = 0;
        if (max != null) {
            maxValue = Restrictions.BYTE_BUDGETS.contains(restriction)
                    ? parse(max, Sizes::parseBytes, 1, Long.MAX_VALUE, 0)
                    : integer(max, 0, 1, Long.MAX_VALUE);
        }
        long perMillis = per == null ? 0 : parse(per, Durations::parseMillis, 1, Long.MAX_VALUE, 0);
        By by = l.mapped("by", By.TARGET, By::fromWire);
        Algorithm algorithm = l.mapped("algorithm", Algorithm.GCRA, Algorithm::fromConfig);
        long burst = 0;
        if (l.has("burst")) {
            if (algorithm != Algorithm.GCRA) {
                l.invalid("burst", "burst applies to gcra only, not " + algorithm.configName());
            } else {
                burst = l.integer("burst", 0, 1, Long.MAX_VALUE);
            }
        }
        long precision = 0;
        if (l.has("precision")) {
            if (algorithm != Algorithm.SLIDING_WINDOW) {
                l.invalid("precision", "precision applies to sliding_window only, not " + algorithm.configName());
            } else {
                precision = l.duration("precision", 0, 1);
            }
        }
        if (maxValue < 1 || perMillis < 1) {
            return null;
        }
        try {
            return new LimitConfig(new LimitSpec(maxValue, perMillis, burst, algorithm, precision), global ? By.TARGET : by);
        } catch (IllegalArgumentException e) {
            l.fail(e);
            return null;
        }
    }

    // ------------------------------------------------------------------ violations and bans

    private ViolationPolicy violations(Section s) {
        s.allow("scores", "anonymous", "per_type", "half_life", "retention");
        ViolationPolicy d = ViolationPolicy.DEFAULTS;
        Map<String, Integer> scores = new LinkedHashMap<>();
        Section sc = s.section("scores");
        for (Entry e : sc.entries()) {
            if (validName(sc, e, "a violation type")) {
                scores.put(e.key(), (int) sc.integer(e.key(), 1, 0, 1_000_000));
            }
        }
        String anonymous = s.choice("anonymous", d.anonymousByIp() ? "ip" : "none", "ip", "none");
        boolean perType = s.bool("per_type", d.perType());
        long halfLife = s.duration("half_life", d.halfLifeMillis(), 0);
        long retention = s.duration("retention", d.retentionMillis(), 0);
        try {
            return new ViolationPolicy(scores, "ip".equals(anonymous), perType, halfLife, retention);
        } catch (IllegalArgumentException e) {
            s.fail(e);
            return d;
        }
    }

    private BanPolicy bans(Section s) {
        s.allow("enabled", "interval", "duration", "ban_ip", "ipv6_prefix", "escalation");
        BanPolicy d = BanPolicy.DEFAULTS;
        boolean enabled = s.bool("enabled", d.enabled());
        long interval = s.integer("interval", d.interval(), 1, Long.MAX_VALUE);
        long duration = s.duration("duration", d.durationMillis(), 0);
        boolean banIp = s.bool("ban_ip", d.banIp());
        int prefix = (int) s.integer("ipv6_prefix", d.ipv6Prefix(), 1, 128);
        Section esc = s.section("escalation");
        esc.allow("factor", "max");
        double factor = esc.decimal("factor", d.factor(), 1, 1000);
        long max = esc.duration("max", d.maxMillis(), 0);
        try {
            return new BanPolicy(enabled, interval, duration, banIp, prefix, factor, max);
        } catch (IllegalArgumentException e) {
            s.fail(e);
            return d;
        }
    }

    private LinkSpamPolicy linkSpam(Section s) {
        s.allow("enabled", "max_recipients", "window", "ban");
        LinkSpamPolicy d = LinkSpamPolicy.DEFAULTS;
        boolean enabled = s.bool("enabled", d.enabled());
        int max = (int) s.integer("max_recipients", d.maxRecipients(), 1, LinkSpamPolicy.MAX_RECIPIENTS_LIMIT);
        long window = s.duration("window", d.windowMillis(), 1);
        long ban = s.duration("ban", d.banMillis(), 1);
        try {
            return new LinkSpamPolicy(enabled, max, window, ban);
        } catch (IllegalArgumentException e) {
            s.fail(e);
            return d;
        }
    }

    // ------------------------------------------------------------------ content

    private List<Filter> filters(Section top, String key) {
        List<Filter> out = new ArrayList<>();
        Map<String, String> names = new HashMap<>();
        for (Item item : top.items(key)) {
            Section f = item.section("{name, patterns, where, action, reply}");
            if (f == null) {
                continue;
            }
            f.allow("name", "patterns", "where", "action", "reply");
            Val name = f.required("name", "every filter needs a name and patterns");
            if (name != null) {
                if (name.text.isBlank() || name.text.length() > 128) {
                    error(name, "a filter name must be 1 to 128 characters and not blank, got '" + name.text + "'");
                    name = null;
                } else {
                    String first = names.putIfAbsent(name.text, f.path);
                    if (first != null) {
                        error(name, "filter name '" + name.text + "' is already used by " + first);
                    }
                }
            }
            List<TextMatcher> matchers = new ArrayList<>();
            List<Val> patterns = f.strings("patterns");
            if (!f.has("patterns")) {
                f.missing("patterns", "every filter needs a name and patterns");
            } else if (patterns.isEmpty() && f.listSize("patterns") == 0) {
                f.invalid("patterns", "must list at least one pattern");
            }
            boolean patternsOk = true;
            for (Val p : patterns) {
                try {
                    matchers.add(Re2TextMatcher.compile(p.text));
                } catch (IllegalArgumentException e) {
                    patternsOk = false;
                    error(p, e.getMessage());
                }
            }
            Set<Place> places = EnumSet.noneOf(Place.class);
            if (f.has("where")) {
                for (Val w : f.strings("where")) {
                    switch (w.text.strip()) {
                        case "public" -> places.add(Place.PUBLIC);
                        case "dm" -> places.add(Place.DM);
                        default -> error(w, "where must list public and/or dm, got '" + w.text + "'");
                    }
                }
                if (f.listSize("where") == 0) {
                    f.invalid("where", "must list public and/or dm (leave it out for both)");
                }
            } else {
                places = EnumSet.allOf(Place.class);
            }
            String action = f.choice("action", "block", "block", "censor", "report");
            String reply = f.has("reply") ? f.string("reply", null) : null;
            if (name == null || matchers.isEmpty() || !patternsOk || places.isEmpty()) {
                continue;
            }
            try {
                out.add(new Filter(name.text, matchers, places, FilterAction.valueOf(action.toUpperCase(Locale.ROOT)),
                        reply));
            } catch (RuntimeException e) {
                f.fail(e);
            }
        }
        return out;
    }

    private ModerationSettings moderationSettings(Section s) {
        s.allow("enabled", "url", "api_key", "model", "timeout", "on_error");
        ModerationSettings d = ModerationSettings.DEFAULTS;
        String url = s.string("url", d.url());
        if (s.has("url")) {
            String problem = httpUrlProblem(url);
            if (problem != null) {
                s.invalid("url", problem);
                url = d.url();
            }
        }
        // config.md's default is `${OPENAI_MODERATION_API_KEY:-}`, so the variable is read when the key is absent
        String apiKey = s.has("api_key") ? s.string("api_key", "") : expander.expand("${OPENAI_MODERATION_API_KEY:-}");
        String model = s.string("model", d.model());
        if (model.isBlank()) {
            s.invalid("model", "must not be empty");
            model = d.model();
        }
        long timeout = s.duration("timeout", d.timeoutMillis(), 1);
        try {
            return new ModerationSettings(url, apiKey, model, timeout);
        } catch (IllegalArgumentException e) {
            s.fail(e);
            return d;
        }
    }

    private ModerationPolicy moderationPolicy(Section s) {
        boolean enabled = s.bool("enabled", false);
        String onError = s.choice("on_error", "deny", "deny", "allow");
        return new ModerationPolicy(enabled, "deny".equals(onError));
    }

    private RequestChecks requestChecks(Section s) {
        s.allow("non_browser", "models");
        Section nb = s.section("non_browser");
        nb.allow("actions");
        Set<String> actions = new LinkedHashSet<>();
        for (Val v : nb.strings("actions")) {
            if (NAME.matcher(v.text.strip()).matches()) {
                actions.add(v.text.strip());
            } else {
                error(v, "'" + v.text + "' is not an action name (letters, digits, _ and -, at most 64)");
            }
        }
        Map<String, Set<String>> models = new LinkedHashMap<>();
        Section m = s.section("models");
        for (Entry e : m.entries()) {
            Set<String> ids = new LinkedHashSet<>();
            for (Val v : m.strings(e.key())) {
                if (v.text.isBlank()) {
                    error(v, "a model id must not be empty");
                } else {
                    ids.add(v.text.strip());
                }
            }
            models.put(e.key(), ids);
        }
        return new RequestChecks(actions, models);
    }

    private WebhookSettings webhook(Section s) {
        s.allow("url", "timeout", "max_attempts");
        WebhookSettings d = WebhookSettings.NONE;
        String url = s.has("url") ? s.string("url", "").strip() : null;
        if (url != null && !url.isEmpty()) {
            String problem = httpUrlProblem(url);
            if (problem != null) {
                s.invalid("url", problem);
                url = null;
            }
        }
        long timeout = s.duration("timeout", d.timeoutMillis(), 1);
        int attempts = (int) s.integer("max_attempts", d.maxAttempts(), 1, 100);
        try {
            return new WebhookSettings(url == null || url.isEmpty() ? null : url, timeout, attempts);
        } catch (IllegalArgumentException e) {
            s.fail(e);
            return d;
        }
    }

    /** Null when {@code url} is a usable http(s) URL; the message never shows its credentials or query (tokens live there). */
    private static String httpUrlProblem(String url) {
        String shown = EffectiveConfig.maskUrl(url);
        try {
            URI u = new URI(url);
            if (u.getScheme() == null || !(u.getScheme().equalsIgnoreCase("http") || u.getScheme().equalsIgnoreCase("https"))) {
                return "expected an http:// or https:// URL, got '" + shown + "'";
            }
            if (u.getHost() == null) {
                return "no host in '" + shown + "'";
            }
            return null;
        } catch (URISyntaxException e) {
            return "not a URL: '" + shown + "'";
        }
    }

    // ------------------------------------------------------------------ values

    private boolean validName(Section s, Entry e, String what) {
        if (NAME.matcher(e.key()).matches()) {
            return true;
        }
        error(s.key(e.key()), e.keyOrigin().line(), e.keyOrigin(),
                "'" + e.key() + "' is not " + what + " name (letters, digits, _ and -, at most 64)");
        return false;
    }

    private long integer(Val v, long def, long min, long max) {
        return parse(v, Binder::parseInteger, min, max, def);
    }

    private static long parseInteger(String text) {
        String t = text.strip();
        if (!t.matches("[-+]?\\d+(_\\d+)*")) {
            throw new IllegalArgumentException("expected an integer, got '" + text + "'");
        }
        try {
            return Long.parseLong(t.replace("_", "").replace("+", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too large", e);
        }
    }

    private long parse(Val v, Function<String, Long> parser, long min, long max, long def) {
        long n;
        try {
            n = parser.apply(v.text);
        } catch (IllegalArgumentException e) {
            error(v, e.getMessage());
            return def;
        }
        if (n < min) {
            error(v, "must be at least " + min + ", got '" + v.text + "'");
            return def;
        }
        if (n > max) {
            error(v, "must be at most " + max + ", got '" + v.text + "'");
            return def;
        }
        return n;
    }

    private void error(Val v, String message) {
        error(v.key, v.origin.line(), v.origin, message);
    }

    private void error(String key, int line, Origin origin, String message) {
        String via = origin == null || origin.via() == null ? "" : " (from " + origin.via() + ")";
        errors.add(new ConfigError(key, line, message + via, origin == null ? null : origin.source()));
    }

    /** A scalar value after ${VAR} expansion, with its key and origin. */
    record Val(String text, String key, Origin origin) {
    }

    /** One entry of a list, with its index and path. */
    final class Item {
        final Node node;
        final String path;
        final int index;

        Item(Node node, String path, int index) {
            this.node = node;
            this.path = path;
            this.index = index;
        }

        /** The item as a section, or null (error recorded) when it is not a mapping. */
        Section section(String expected) {
            if (node instanceof MapNode m) {
                return new Section(path, m, m.origin);
            }
            error(path, node.origin.line(), node.origin, "expected a mapping " + expected + ", got " + node.kind());
            return null;
        }
    }

    /** A mapping at a dotted path; a missing section has a null node and yields every default. */
    final class Section {
        final String path;
        final MapNode node;
        final Origin origin;
        /** Known keys an unknown key was probably meant as: their "missing" errors would only repeat the typo. */
        private final java.util.Set<String> suggested = new java.util.HashSet<>();

        Section(String path, MapNode node, Origin origin) {
            this.path = path;
            this.node = node;
            this.origin = origin;
        }

        String key(String k) {
            return path.isEmpty() ? k : path + "." + k;
        }

        List<Entry> entries() {
            return node == null ? List.of() : List.copyOf(node.entries.values());
        }

        Entry entry(String k) {
            return node == null ? null : node.get(k);
        }

        boolean has(String k) {
            return entry(k) != null;
        }

        int lineOf(String k) {
            Entry e = entry(k);
            return e == null ? origin.line() : e.keyOrigin().line();
        }

        Origin originOf(String k) {
            Entry e = entry(k);
            return e == null ? origin : e.keyOrigin();
        }

        /** Reports every key not in {@code known}, suggesting the nearest known one. */
        void allow(String... known) {
            if (node == null) {
                return;
            }
            for (Entry e : node.entries.values()) {
                boolean ok = false;
                for (String k : known) {
                    ok |= k.equals(e.key());
                }
                if (!ok) {
                    String hint = nearest(e.key(), known);
                    if (hint != null) {
                        suggested.add(hint);
                    }
                    error(key(e.key()), e.keyOrigin().line(), e.keyOrigin(), "unknown key '" + key(e.key()) + "'"
                            + (hint == null ? "; known here: " + String.join(", ", known) : " (did you mean '" + hint + "'?)"));
                }
            }
        }

        void fail(RuntimeException e) {
            error(path, origin.line(), origin, e.getMessage());
        }

        void invalid(String k, String message) {
            error(key(k), lineOf(k), originOf(k), message);
        }

        void missing(String k, String why) {
            if (suggested.contains(k)) {
                return;
            }
            error(key(k), origin.line(), origin, "missing '" + k + "': " + why);
        }

        Section section(String k) {
            Entry e = entry(k);
            if (e == null || (e.value() instanceof Scalar s && s.text == null)) {
                return new Section(key(k), null, e == null ? origin : e.keyOrigin());
            }
            if (e.value() instanceof MapNode m) {
                return new Section(key(k), m, e.keyOrigin());
            }
            error(key(k), e.keyOrigin().line(), e.value().origin, "expected a mapping, got " + e.value().kind());
            return new Section(key(k), null, e.keyOrigin());
        }

        /** The entry's value as a section, or null (error recorded) when it is not a mapping. */
        Section child(Entry e, String expected) {
            if (e.value() instanceof MapNode m) {
                return new Section(key(e.key()), m, e.keyOrigin());
            }
            error(key(e.key()), e.keyOrigin().line(), e.value().origin,
                    "expected " + expected + ", got " + e.value().kind());
            return null;
        }

        List<Item> items(String k) {
            Entry e = entry(k);
            if (e == null || (e.value() instanceof Scalar s && s.text == null)) {
                return List.of();
            }
            if (!(e.value() instanceof ListNode l)) {
                error(key(k), e.keyOrigin().line(), e.value().origin, "expected a list, got " + e.value().kind());
                return List.of();
            }
            List<Item> out = new ArrayList<>();
            for (int i = 0; i < l.items.size(); i++) {
                out.add(new Item(l.items.get(i), key(k) + "[" + i + "]", i));
            }
            return out;
        }

        int listSize(String k) {
            Entry e = entry(k);
            return e != null && e.value() instanceof ListNode l ? l.items.size() : -1;
        }

        /** A list of single values (expanded); entries that are not scalars are reported. */
        List<Val> strings(String k) {
            List<Val> out = new ArrayList<>();
            for (Item item : items(k)) {
                if (!(item.node instanceof Scalar s) || s.text == null) {
                    error(item.path, item.node.origin.line(), item.node.origin,
                            "expected a single value, got " + item.node.kind());
                    continue;
                }
                try {
                    out.add(new Val(expander.expand(s.text), item.path, s.origin));
                } catch (IllegalArgumentException ex) {
                    error(item.path, s.origin.line(), s.origin, ex.getMessage());
                }
            }
            return out;
        }

        /** The expanded scalar at {@code k}; null when absent or wrong (the error is recorded). */
        Val val(String k) {
            Entry e = entry(k);
            if (e == null) {
                return null;
            }
            if (!(e.value() instanceof Scalar s)) {
                error(key(k), e.keyOrigin().line(), e.value().origin, "expected a single value, got " + e.value().kind());
                return null;
            }
            if (s.text == null) {
                error(key(k), e.keyOrigin().line(), s.origin, "has no value; remove the key to use its default");
                return null;
            }
            try {
                return new Val(expander.expand(s.text), key(k), s.origin);
            } catch (IllegalArgumentException ex) {
                error(key(k), s.origin.line(), s.origin, ex.getMessage());
                return null;
            }
        }

        Val required(String k, String why) {
            if (!has(k)) {
                missing(k, why);
                return null;
            }
            return val(k);
        }

        String string(String k, String def) {
            Val v = val(k);
            return v == null ? def : v.text;
        }

        long integer(String k, long def, long min, long max) {
            Val v = val(k);
            return v == null ? def : Binder.this.integer(v, def, min, max);
        }

        double decimal(String k, double def, double min, double max) {
            Val v = val(k);
            if (v == null) {
                return def;
            }
            double d;
            try {
                if (!v.text.strip().matches("[-+]?(\\d+(\\.\\d*)?|\\.\\d+)")) {
                    throw new NumberFormatException();
                }
                d = Double.parseDouble(v.text.strip());
            } catch (NumberFormatException e) {
                error(v, "expected a number, got '" + v.text + "'");
                return def;
            }
            if (d < min || d > max) {
                error(v, "must be " + min + " to " + max + ", got '" + v.text + "'");
                return def;
            }
            return d;
        }

        long duration(String k, long def, long min) {
            Val v = val(k);
            return v == null ? def : parse(v, Durations::parseMillis, min, Long.MAX_VALUE, def);
        }

        long size(String k, long def, long min) {
            Val v = val(k);
            return v == null ? def : parse(v, Sizes::parseBytes, min, Long.MAX_VALUE, def);
        }

        boolean bool(String k, boolean def) {
            Val v = val(k);
            if (v == null) {
                return def;
            }
            String t = v.text.strip().toLowerCase(Locale.ROOT);
            if (t.equals("true")) {
                return true;
            }
            if (t.equals("false")) {
                return false;
            }
            error(v, "expected true or false, got '" + v.text + "'");
            return def;
        }

        String choice(String k, String def, String... options) {
            Val v = val(k);
            if (v == null) {
                return def;
            }
            String t = v.text.strip();
            for (String o : options) {
                if (o.equals(t)) {
                    return o;
                }
            }
            error(v, "expected one of " + String.join(", ", options) + "; got '" + v.text + "'");
            return def;
        }

        <T> T mapped(String k, T def, Function<String, T> parser) {
            Val v = val(k);
            if (v == null) {
                return def;
            }
            try {
                return parser.apply(v.text.strip());
            } catch (IllegalArgumentException e) {
                error(v, e.getMessage());
                return def;
            }
        }
    }

    /** The known key closest to {@code key} (edit distance at most 2), or null. */
    static String nearest(String key, String... known) {
        String best = null;
        int bestDistance = 3;
        for (String k : known) {
            int d = distance(key, k);
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return best;
    }

    private static int distance(String a, String b) {
        if (Math.abs(a.length() - b.length()) > 2) {
            return 3;
        }
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
