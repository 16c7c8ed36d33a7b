package dev.moat.server.http;

import dev.moat.core.Decision;
import dev.moat.core.LimitStatus;
import io.vertx.core.http.HttpServerResponse;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The IETF RateLimit fields of draft-ietf-httpapi-ratelimit-headers-10, mirrored from a decision's
 * {@code limits}, so a caller can forward them to its own clients:
 *
 * <pre>
 * RateLimit-Policy: "client.target.login";q=7;w=300
 * RateLimit: "client.target.login";r=0;t=42
 * </pre>
 *
 * Each item is an sf-string naming the config entry. {@code q} is the quota and {@code w} the
 * window in whole seconds (rounded up, at least 1); byte budgets add {@code qu="content-bytes"}.
 * {@code r} is what is left and {@code t} the seconds (rounded up) until more quota is available:
 * for the limit that refused, the time to retry, otherwise the time until it is back to full.
 * Plus {@code Retry-After} (seconds, rounded up) when the request is refused with a known wait.
 */
public final class RateLimitFields {
    /**
     * Limit ids come from the config, so there are few of them: each one's sf-string and policy
     * item are made once and kept (up to {@value #MAX_CACHED_IDS} ids; beyond that, per request).
     */
    private static final int MAX_CACHED_IDS = 4096;
    private static final ConcurrentMap<String, String> SF_IDS = new ConcurrentHashMap<>();
    private static final ConcurrentMap<String, PolicyItem> POLICY_ITEMS = new ConcurrentHashMap<>();

    /** One limit's policy item, kept with what it was made from (a reload may change the limit). */
    private record PolicyItem(long max, long windowMillis, boolean bytes, String text) {
    }
    private RateLimitFields() {
    }

    public static void apply(HttpServerResponse res, Decision d, boolean bytes) {
        if (!d.limits().isEmpty()) {
            res.putHeader(HttpHeaderNames.RATELIMIT_POLICY, policy(d, bytes));
            res.putHeader(HttpHeaderNames.RATELIMIT, service(d));
        }
        if (!d.allowed() && d.retryAfterMillis() >= 0) {
            res.putHeader(HttpHeaderNames.RETRY_AFTER, Long.toString(ceilSeconds(d.retryAfterMillis())));
        }
    }

    /** The {@code RateLimit-Policy} field value for the limits a decision evaluated. */
    public static String policy(Decision d, boolean bytes) {
        List<LimitStatus> limits = d.limits();
        if (limits.size() == 1) {
            return policyItem(limits.get(0), bytes);
        }
        StringBuilder sb = new StringBuilder(64);
        for (LimitStatus l : limits) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(policyItem(l, bytes));
        }
        return sb.toString();
    }

    private static String policyItem(LimitStatus l, boolean bytes) {
        PolicyItem kept = POLICY_ITEMS.get(l.id());
        if (kept != null && kept.max() == l.max() && kept.windowMillis() == l.windowMillis() && kept.bytes() == bytes) {
            return kept.text();
        }
        StringBuilder sb = new StringBuilder(48);
        sfStringOf(sb, l.id());
        sb.append(";q=").append(l.max()).append(";w=").append(Math.max(1, ceilSeconds(l.windowMillis())));
        if (bytes) {
            sb.append(";qu=\"content-bytes\"");
        }
        String text = sb.toString();
        if (kept != null || POLICY_ITEMS.size() < MAX_CACHED_IDS) {   // a reload that changed the limit replaces it
            POLICY_ITEMS.put(l.id(), new PolicyItem(l.max(), l.windowMillis(), bytes, text));
        }
        return text;
    }

    /** The {@code RateLimit} field value: what remains of each limit and when it resets. */
    public static String service(Decision d) {
        List<LimitStatus> limits = d.limits();
        if (limits.size() == 1) {   // the common case: one string of the exact size, no builder
            return serviceItem(limits.get(0));
        }
        StringBuilder sb = new StringBuilder(64);
        for (LimitStatus l : limits) {
            if (sb.length() > 0) {
                sb.append(", ");
            }
            sb.append(serviceItem(l));
        }
        return sb.toString();
    }

    /**
     * One limit's item: what is left and, for the limit that refused, the time to retry, otherwise
     * the time until it is back to full.
     */
    private static String serviceItem(LimitStatus l) {
        long waitMillis = !l.allowed() && l.retryAfterMillis() >= 0 ? l.retryAfterMillis() : l.resetMillis();
        return sfString(l.id()) + ";r=" + Math.max(0, l.remaining()) + ";t=" + ceilSeconds(Math.max(0, waitMillis));
    }

    /** Milliseconds as whole seconds, rounded up (Retry-After and the fields' t and w). */
    public static long ceilSeconds(long millis) {
        return millis <= 0 ? 0 : (millis + 999) / 1000;
    }

    private static String sfString(String s) {
        String quoted = SF_IDS.get(s);
        if (quoted == null) {
            StringBuilder q = new StringBuilder(s.length() + 2);
            sfStringOf(q, s);
            quoted = q.toString();
            if (SF_IDS.size() < MAX_CACHED_IDS) {
                SF_IDS.putIfAbsent(s, quoted);
            }
        }
        return quoted;
    }

    /** RFC 8941 sf-string: printable ASCII, with {@code "} and {@code \} escaped. */
    private static void sfStringOf(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c >= 0x20 && c <= 0x7e) {
                sb.append(c);
            } else {
                sb.append('?');
            }
        }
        sb.append('"');
    }
}
