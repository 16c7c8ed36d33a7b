package dev.moat.core;

import dev.moat.core.limit.LimitSpec;

/** The sentences end users see: one place, specific to the reason, with the limit and time left. */
final class Messages {
    private Messages() {
    }

    static String rateLimited(String action, LimitSpec spec, long retryAfterMillis, boolean bytes) {
        String what = bytes ? human(spec.max()) + " of " + action.replace('_', ' ')
                : spec.max() + " " + action.replace('_', ' ') + (spec.max() == 1 ? " request" : " requests");
        String base = "Too many " + action.replace('_', ' ') + " requests: the limit is " + what + " per "
                + duration(spec.perMillis()) + ".";
        if (retryAfterMillis < 0) {
            return "This " + action.replace('_', ' ') + " request is larger than the limit of " + what + " per "
                    + duration(spec.perMillis()) + " allows.";
        }
        return base + " Try again in " + duration(retryAfterMillis) + ".";
    }

    static String banned(long millisLeft) {
        return "You are temporarily banned for repeated violations. The ban ends in " + duration(millisLeft) + ".";
    }

    static String banStarted(long durationMillis) {
        return durationMillis == 0 ? "You have been disconnected for repeated violations."
                : "You have been banned for " + duration(durationMillis) + " for repeated violations.";
    }

    static String kicked() {
        return "This message was refused and you have been disconnected.";
    }

    static String concurrency(int max) {
        return "Too many requests in progress: at most " + max + " at a time. Wait for one to finish.";
    }

    /** "42 seconds", "5 minutes", "2 hours 3 minutes", rounded up to the second. */
    static String duration(long millis) {
        long s = Math.max(1, (millis + 999) / 1000);
        if (s < 60) {
            return s + (s == 1 ? " second" : " seconds");
        }
        long m = (s + 59) / 60;
        if (m < 60) {
            return m + (m == 1 ? " minute" : " minutes");
        }
        long h = m / 60;
        long rm = m % 60;
        if (h < 48) {
            return h + (h == 1 ? " hour" : " hours") + (rm == 0 ? "" : " " + rm + (rm == 1 ? " minute" : " minutes"));
        }
        long d = (h + 23) / 24;
        return d + " days";
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
