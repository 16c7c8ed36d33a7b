package dev.moat.core;

import dev.moat.core.limit.LimitSpec;

/** The sentences end users see: one place, specific to the reason, with the limit and time left. */
final class Messages {
    private Messages() {
    }

    /**
     * The fixed part of {@link #rateLimited} per (action, limit, bytes): the config holds few of
     * them, and every refusal of a limit otherwise rebuilt the same sentence (the refused path of
     * {@code POST /v1/check}). Bounded; beyond {@value #MAX_KEPT} entries, built per call.
     */
    private static final int MAX_KEPT = 4096;
    private static final java.util.concurrent.ConcurrentMap<Fixed, String> TOO_MANY =
            new java.util.concurrent.ConcurrentHashMap<>();

    private record Fixed(String action, LimitSpec spec, boolean bytes) {
    }

    /** The last sentence used, found by identity without hashing (the usual case: one limit refusing a flood). */
    private record Last(String action, LimitSpec spec, boolean bytes, String base) {
    }

    private static volatile Last last;

    static String rateLimited(String action, LimitSpec spec, long retryAfterMillis, boolean bytes) {
        if (retryAfterMillis < 0) {
            return rateLimitedBuilt(action, spec, retryAfterMillis, bytes);
        }
        Last l = last;
        String base;
        if (l != null && l.action() == action && l.spec() == spec && l.bytes() == bytes) {
            base = l.base();
        } else {
            Fixed key = new Fixed(action, spec, bytes);
            base = TOO_MANY.get(key);
            if (base == null) {
                base = tooMany(action, spec, bytes);
                if (TOO_MANY.size() < MAX_KEPT) {
                    TOO_MANY.putIfAbsent(key, base);
                }
            }
            last = new Last(action, spec, bytes, base);
        }
        return base + " Try again in " + HumanDuration.text(retryAfterMillis) + ".";
    }

    private static String tooMany(String action, LimitSpec spec, boolean bytes) {
        String what = bytes ? human(spec.max()) + " of " + action.replace('_', ' ')
                : spec.max() + " " + action.replace('_', ' ') + (spec.max() == 1 ? " request" : " requests");
        return "Too many " + action.replace('_', ' ') + " requests: the limit is " + what + " per "
                + HumanDuration.text(spec.perMillis()) + ".";
    }

    /** The sentence built whole: what {@link #rateLimited} returns, without the kept part. */
    static String rateLimitedBuilt(String action, LimitSpec spec, long retryAfterMillis, boolean bytes) {
        String what = bytes ? human(spec.max()) + " of " + action.replace('_', ' ')
                : spec.max() + " " + action.replace('_', ' ') + (spec.max() == 1 ? " request" : " requests");
        String base = "Too many " + action.replace('_', ' ') + " requests: the limit is " + what + " per "
                + HumanDuration.text(spec.perMillis()) + ".";
        if (retryAfterMillis < 0) {
            return "This " + action.replace('_', ' ') + " request is larger than the limit of " + what + " per "
                    + HumanDuration.text(spec.perMillis()) + " allows.";
        }
        return base + " Try again in " + HumanDuration.text(retryAfterMillis) + ".";
    }

    static String banned(long millisLeft) {
        return "You are temporarily banned for repeated violations. The ban ends in " + HumanDuration.text(millisLeft) + ".";
    }

    static String banStarted(long durationMillis) {
        return durationMillis == 0 ? "You have been disconnected for repeated violations."
                : "You have been banned for " + HumanDuration.text(durationMillis) + " for repeated violations.";
    }

    static String kicked() {
        return "This message was refused and you have been disconnected.";
    }

    static String concurrency(int max) {
        return "Too many requests in progress: at most " + max + " at a time. Wait for one to finish.";
    }

    static String human(long bytes) {
        String[] units = {"bytes", "KB", "MB", "GB", "TB"};
        double v = bytes;
        int u = 0;
        while (v >= 1024 && u < units.length - 1 && v % 1024 == 0) {
            v /= 1024;
            u++;
        }
        return (long) v + " " + units[u];
    }
}
