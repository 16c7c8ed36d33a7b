package dev.moat.server.http;

import dev.moat.core.content.Filter;
import dev.moat.core.content.LinkSpamPolicy;
import dev.moat.core.content.Place;
import dev.moat.core.limit.Algorithm;
import dev.moat.core.limit.LimitSpec;
import dev.moat.core.policy.BanPolicy;
import dev.moat.core.policy.ConcurrencyConfig;
import dev.moat.core.policy.LimitConfig;
import dev.moat.core.policy.MoatPolicy;
import dev.moat.core.policy.RateLimits;
import dev.moat.core.policy.RealmLimits;
import dev.moat.core.policy.RequestChecks;
import dev.moat.core.policy.ViolationPolicy;
import dev.moat.server.config.ApiKey;
import dev.moat.server.config.MaskedUri;
import dev.moat.server.config.MoatConfig;
import dev.moat.server.config.ModerationSettings;
import dev.moat.server.config.ServerSettings;
import dev.moat.server.config.StoreSettings;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The effective config as a tree in {@code moat.yaml}'s own shape and key names, with every
 * secret masked (API keys, passwords in URIs, the moderation key). Rendered as JSON by
 * {@code GET /v1/config} and as YAML by the CLI ({@code config explain}, {@code presets show}).
 */
public final class ConfigView {
    static final String MASK = "****";

    private ConfigView() {
    }

    public static Map<String, Object> of(MoatConfig c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", c.version());
        m.put("server", server(c.server()));
        m.put("store", store(c.store()));
        MoatPolicy p = c.policy();
        m.put("rate_limits", rateLimits(p.rateLimits()));
        m.put("violations", violations(p.violations()));
        m.put("bans", bans(p.bans()));
        m.put("link_spam", linkSpam(p.linkSpam()));
        m.put("filters", filters(p.filters()));
        m.put("moderation", moderation(p.moderation().enabled(), p.moderation().failClosed(), c.moderation()));
        m.put("request_checks", requestChecks(p.requestChecks()));
        Map<String, Object> webhook = new LinkedHashMap<>();
        webhook.put("url", c.webhook().url() == null ? null : MaskedUri.mask(c.webhook().url()));
        webhook.put("timeout", DurationText.format(c.webhook().timeoutMillis()));
        webhook.put("max_attempts", c.webhook().maxAttempts());
        m.put("webhook", webhook);
        return m;
    }

    static Map<String, Object> server(ServerSettings s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("listen", hostPort(s.host(), s.port()));
        List<Object> keys = new ArrayList<>();
        for (int i = 0; i < s.apiKeys().size(); i++) {
            ApiKey k = s.apiKeys().get(i);
            Map<String, Object> key = new LinkedHashMap<>();
            key.put("name", k.name() == null || k.name().isBlank() ? "key-" + (i + 1) : k.name());
            key.put("key", MASK);
            key.put("role", k.role().name().toLowerCase(Locale.ROOT));
            keys.add(key);
        }
        m.put("api_keys", keys);
        m.put("trusted_proxies", s.trustedProxies());
        m.put("max_body", size(s.maxBodyBytes()));
        m.put("log_message_text", s.logMessageText());
        return m;
    }

    public static String hostPort(String host, int port) {
        return (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port;
    }

    static Map<String, Object> store(StoreSettings s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", s.type());
        m.put("data_dir", s.dataDir());
        m.put("max_keys", s.maxKeys());
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("uri", MaskedUri.mask(s.redis().uri()));
        r.put("nodes", s.redis().nodes());
        r.put("key_prefix", s.redis().keyPrefix());
        r.put("on_failure", s.redis().onFailure());
        r.put("timeout", DurationText.format(s.redis().timeoutMillis()));
        m.put("redis", r);
        return m;
    }

    /** The {@code rate_limits} section (also what {@code moat presets show} prints). */
    public static Map<String, Object> rateLimits(RateLimits r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("preset", r.preset());
        m.put("client", realm(r.client()));
        m.put("federation", realm(r.federation()));
        m.put("exempt", r.exempt());
        return m;
    }

    static Map<String, Object> realm(RealmLimits r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("target", limits(r.target(), true));
        m.put("global", limits(r.global(), false));
        Map<String, Object> conc = new TreeMap<>();
        for (Map.Entry<String, ConcurrencyConfig> e : r.concurrent().entrySet()) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("max", e.getValue().max());
            c.put("lease", DurationText.format(e.getValue().leaseMillis()));
            conc.put(e.getKey(), c);
        }
        m.put("concurrent", conc);
        return m;
    }

    static Map<String, Object> limits(Map<String, List<LimitConfig>> byRestriction, boolean withBy) {
        Map<String, Object> m = new TreeMap<>();
        for (Map.Entry<String, List<LimitConfig>> e : byRestriction.entrySet()) {
            List<Object> list = new ArrayList<>();
            for (LimitConfig l : e.getValue()) {
                list.add(limit(l, withBy));
            }
            m.put(e.getKey(), list.size() == 1 ? list.get(0) : list);
        }
        return m;
    }

    static Map<String, Object> limit(LimitConfig l, boolean withBy) {
        LimitSpec s = l.spec();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("max", s.max());
        m.put("per", DurationText.format(s.perMillis()));
        if (withBy) {
            m.put("by", l.by().wire());
        }
        m.put("algorithm", s.algorithm().configName());
        if (s.algorithm() == Algorithm.GCRA && s.burst() != s.max()) {
            m.put("burst", s.burst());
        }
        if (s.algorithm() == Algorithm.SLIDING_WINDOW && s.precisionMillis() != Math.max(1, s.perMillis() / 10)) {
            m.put("precision", DurationText.format(s.precisionMillis()));
        }
        return m;
    }

    static Map<String, Object> violations(ViolationPolicy v) {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> scores = new TreeMap<>(ViolationPolicy.DEFAULT_SCORES);
        scores.putAll(v.scores());
        m.put("scores", scores);
        m.put("anonymous", v.anonymousByIp() ? "ip" : "none");
        m.put("per_type", v.perType());
        m.put("half_life", DurationText.format(v.halfLifeMillis()));
        m.put("retention", DurationText.format(v.retentionMillis()));
        return m;
    }

    static Map<String, Object> bans(BanPolicy b) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("enabled", b.enabled());
        m.put("interval", b.interval());
        m.put("duration", DurationText.format(b.durationMillis()));
        m.put("ban_ip", b.banIp());
        m.put("ipv6_prefix", b.ipv6Prefix());
        Map<String, Object> esc = new LinkedHashMap<>();
        esc.put("factor", b.factor() == Math.rint(b.factor()) ? (Object) (long) b.factor() : (Object) b.factor());
        esc.put("max", DurationText.format(b.maxMillis()));
        m.put("escalation", esc);
        return m;
    }

    static Map<String, Object> linkSpam(LinkSpamPolicy l) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("enabled", l.enabled());
        m.put("max_recipients", l.maxRecipients());
        m.put("window", DurationText.format(l.windowMillis()));
        m.put("ban", DurationText.format(l.banMillis()));
        return m;
    }

    static List<Object> filters(List<Filter> filters) {
        List<Object> list = new ArrayList<>();
        for (Filter f : filters) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", f.name());
            m.put("patterns", f.matchers().size() + " compiled pattern(s)");
            List<String> where = new ArrayList<>();
            for (Place p : Place.values()) {
                if (f.appliesTo(p)) {
                    where.add(p.name().toLowerCase(Locale.ROOT));
                }
            }
            m.put("where", where);
            m.put("action", f.action().name().toLowerCase(Locale.ROOT));
            m.put("reply", f.reply());
            list.add(m);
        }
        return list;
    }

    static Map<String, Object> moderation(boolean enabled, boolean failClosed, ModerationSettings s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("enabled", enabled);
        m.put("url", MaskedUri.mask(s.url()));
        m.put("api_key", s.apiKey() == null || s.apiKey().isEmpty() ? "" : MASK);
        m.put("model", s.model());
        m.put("timeout", DurationText.format(s.timeoutMillis()));
        m.put("on_error", failClosed ? "deny" : "allow");
        return m;
    }

    static Map<String, Object> requestChecks(RequestChecks r) {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> nb = new LinkedHashMap<>();
        nb.put("actions", new ArrayList<>(new java.util.TreeSet<>(r.nonBrowserActions())));
        m.put("non_browser", nb);
        Map<String, Object> models = new TreeMap<>();
        r.models().forEach((k, v) -> models.put(k, new ArrayList<>(new java.util.TreeSet<>(v))));
        m.put("models", models);
        return m;
    }

    static String size(long bytes) {
        long[] units = {1L << 30, 1L << 20, 1L << 10};
        String[] names = {"GB", "MB", "KB"};
        for (int i = 0; i < units.length; i++) {
            if (bytes % units[i] == 0) {
                return (bytes / units[i]) + names[i];
            }
        }
        return Long.toString(bytes);
    }
}
