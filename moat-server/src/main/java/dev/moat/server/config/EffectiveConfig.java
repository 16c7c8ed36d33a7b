package dev.moat.server.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.moat.core.content.Filter;
import dev.moat.core.content.Place;
import dev.moat.core.content.TextMatcher;
import dev.moat.core.limit.Algorithm;
import dev.moat.core.limit.LimitSpec;
import dev.moat.core.policy.BanPolicy;
import dev.moat.core.policy.ConcurrencyConfig;
import dev.moat.core.policy.LimitConfig;
import dev.moat.core.policy.MoatPolicy;
import dev.moat.core.policy.RateLimits;
import dev.moat.core.policy.RealmLimits;
import dev.moat.core.policy.Restrictions;
import dev.moat.core.policy.ViolationPolicy;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Renders a {@link MoatConfig} back into the config file's own shape and syntax (durations as
 * {@code 5m}, sizes as {@code 64KB}), with every default filled in and every secret masked: API
 * keys as {@code ****}, the moderation API key, the password in a Redis URI, credentials and query
 * strings of webhook/moderation URLs. The result is plain maps, lists, strings, numbers and
 * booleans, ready for Jackson (GET /v1/config) or {@link #yaml} ({@code moat presets show}).
 */
public final class EffectiveConfig {
    private EffectiveConfig() {
    }

    /** What a secret is shown as. */
    public static final String MASK = "****";

    /** The effective config as a tree, secrets masked. */
    public static Map<String, Object> render(MoatConfig c) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("version", c.version());
        out.put("server", server(c.server()));
        out.put("store", store(c.store()));
        MoatPolicy p = c.policy();
        out.put("rate_limits", rateLimits(p.rateLimits()));
        out.put("violations", violations(p.violations()));
        out.put("bans", bans(p.bans()));
        Map<String, Object> linkSpam = new LinkedHashMap<>();
        linkSpam.put("enabled", p.linkSpam().enabled());
        linkSpam.put("max_recipients", p.linkSpam().maxRecipients());
        linkSpam.put("window", Durations.format(p.linkSpam().windowMillis()));
        linkSpam.put("ban", Durations.format(p.linkSpam().banMillis()));
        out.put("link_spam", linkSpam);
        List<Object> filters = new ArrayList<>();
        for (Filter f : p.filters()) {
            filters.add(filter(f));
        }
        out.put("filters", filters);
        Map<String, Object> mod = new LinkedHashMap<>();
        mod.put("enabled", p.moderation().enabled());
        mod.put("url", maskUrl(c.moderation().url()));
        String key = c.moderation().apiKey();
        mod.put("api_key", key == null || key.isEmpty() ? "" : MASK);
        mod.put("model", c.moderation().model());
        mod.put("timeout", Durations.format(c.moderation().timeoutMillis()));
        mod.put("on_error", p.moderation().failClosed() ? "deny" : "allow");
        out.put("moderation", mod);
        Map<String, Object> checks = new LinkedHashMap<>();
        checks.put("non_browser", Map.of("actions", new ArrayList<>(new java.util.TreeSet<>(p.requestChecks().nonBrowserActions()))));
        Map<String, Object> models = new TreeMap<>();
        p.requestChecks().models().forEach((endpoint, ids) -> models.put(endpoint, new ArrayList<>(new java.util.TreeSet<>(ids))));
        checks.put("models", models);
        out.put("request_checks", checks);
        Map<String, Object> hook = new LinkedHashMap<>();
        if (c.webhook().enabled()) { // no url: no webhook (and the rendered file stays loadable)
            hook.put("url", maskUrl(c.webhook().url()));
        }
        hook.put("timeout", Durations.format(c.webhook().timeoutMillis()));
        hook.put("max_attempts", c.webhook().maxAttempts());
        out.put("webhook", hook);
        return out;
    }

    /** The rendered tree as YAML text. */
    public static String yaml(Map<String, Object> tree) {
        try {
            return YAML.writeValueAsString(tree);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render config as YAML", e);
        }
    }

    /** The {@code rate_limits} section alone, in the file's syntax (for {@code moat presets show}). */
    public static Map<String, Object> rateLimits(RateLimits r) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("preset", r.preset());
        out.put("client", realm(r.client(), true));
        out.put("federation", realm(r.federation(), false));
        out.put("exempt", new ArrayList<>(r.exempt()));
        return out;
    }

    private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .build());

    private static Map<String, Object> server(ServerSettings s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("listen", HostPort.format(s.host(), s.port()));
        List<Object> keys = new ArrayList<>();
        for (ApiKey k : s.apiKeys()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", k.name());
            m.put("key", MASK);
            m.put("role", k.role().name().toLowerCase(Locale.ROOT));
            keys.add(m);
        }
        out.put("api_keys", keys);
        out.put("trusted_proxies", new ArrayList<>(s.trustedProxies()));
        out.put("max_body", Sizes.format(s.maxBodyBytes()));
        out.put("log_message_text", s.logMessageText());
        out.put("bench_noop_endpoint", s.benchNoopEndpoint());
        out.put("idle_timeout", Durations.format(s.idleTimeoutMillis()));
        return out;
    }

    private static Map<String, Object> store(StoreSettings s) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("type", s.type());
        out.put("data_dir", s.dataDir());
        out.put("max_keys", s.maxKeys());
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("uri", MaskedUri.mask(s.redis().uri()));
        r.put("nodes", new ArrayList<>(s.redis().nodes()));
        r.put("key_prefix", s.redis().keyPrefix());
        r.put("on_failure", s.redis().onFailure());
        r.put("timeout", Durations.format(s.redis().timeoutMillis()));
        out.put("redis", r);
        return out;
    }

    private static Map<String, Object> realm(RealmLimits r, boolean client) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("target", limits(r.target(), false));
        out.put("global", limits(r.global(), true));
        if (client || !r.concurrent().isEmpty()) {
            Map<String, Object> c = new TreeMap<>();
            for (Map.Entry<String, ConcurrencyConfig> e : r.concurrent().entrySet()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("max", e.getValue().max());
                m.put("lease", Durations.format(e.getValue().leaseMillis()));
                c.put(e.getKey(), m);
            }
            out.put("concurrent", c);
        }
        return out;
    }

    private static Map<String, Object> limits(Map<String, List<LimitConfig>> byRestriction, boolean global) {
        Map<String, Object> out = new TreeMap<>();
        byRestriction.forEach((name, limits) -> {
            List<Object> list = new ArrayList<>();
            for (LimitConfig l : limits) {
                list.add(limit(l, name, global));
            }
            out.put(name, list);
        });
        return out;
    }

    private static Map<String, Object> limit(LimitConfig l, String restriction, boolean global) {
        LimitSpec s = l.spec();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("max", Restrictions.BYTE_BUDGETS.contains(restriction) ? (Object) Sizes.format(s.max()) : s.max());
        m.put("per", Durations.format(s.perMillis()));
        if (!global) {
            m.put("by", l.by().wire());
        }
        m.put("algorithm", s.algorithm().configName());
        if (s.algorithm() == Algorithm.GCRA && s.burst() != s.max()) {
            m.put("burst", s.burst());
        }
        if (s.algorithm() == Algorithm.SLIDING_WINDOW) {
            m.put("precision", Durations.format(s.precisionMillis()));
        }
        return m;
    }

    private static Map<String, Object> violations(ViolationPolicy v) {
        Map<String, Object> out = new LinkedHashMap<>();
        Map<String, Object> scores = new TreeMap<>(ViolationPolicy.DEFAULT_SCORES);
        scores.putAll(v.scores());
        out.put("scores", scores);
        out.put("anonymous", v.anonymousByIp() ? "ip" : "none");
        out.put("per_type", v.perType());
        out.put("half_life", Durations.format(v.halfLifeMillis()));
        out.put("retention", Durations.format(v.retentionMillis()));
        return out;
    }

    private static Map<String, Object> bans(BanPolicy b) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("enabled", b.enabled());
        out.put("interval", b.interval());
        out.put("duration", Durations.format(b.durationMillis()));
        out.put("ban_ip", b.banIp());
        out.put("ipv6_prefix", b.ipv6Prefix());
        Map<String, Object> esc = new LinkedHashMap<>();
        esc.put("factor", b.factor() == Math.rint(b.factor()) ? (Object) (long) b.factor() : b.factor());
        esc.put("max", Durations.format(b.maxMillis()));
        out.put("escalation", esc);
        return out;
    }

    private static Map<String, Object> filter(Filter f) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", f.name());
        List<String> patterns = new ArrayList<>();
        for (TextMatcher t : f.matchers()) {
            patterns.add(t instanceof Re2TextMatcher r ? r.pattern() : t.toString());
        }
        m.put("patterns", patterns);
        List<String> where = new ArrayList<>();
        for (Place p : Place.values()) {
            if (f.places().contains(p)) {
                where.add(p.name().toLowerCase(Locale.ROOT));
            }
        }
        m.put("where", where);
        m.put("action", f.action().name().toLowerCase(Locale.ROOT));
        if (f.reply() != null) {
            m.put("reply", f.reply());
        }
        return m;
    }

    /** A URL with every place a secret can hide masked ({@code https://u:****@host/api/****?****}): see {@link MaskedUrl}. */
    static String maskUrl(String url) {
        return MaskedUrl.mask(url);
    }
}
