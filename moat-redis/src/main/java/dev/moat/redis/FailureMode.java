package dev.moat.redis;

import java.util.Locale;

/** What limits do while Redis cannot answer: the {@code store.redis.on_failure} setting. */
public enum FailureMode {
    /** Count in this node's memory until Redis is back (limits become per node meanwhile). */
    LOCAL,
    /** Every limit admits. */
    ALLOW,
    /** Every limit refuses, with a retry-after of the probe interval. */
    DENY;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static FailureMode fromConfig(String s) {
        if (s == null || s.isBlank()) {
            return LOCAL;
        }
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "local" -> LOCAL;
            case "allow" -> ALLOW;
            case "deny" -> DENY;
            default -> throw new IllegalArgumentException("on_failure must be local, allow or deny, was '" + s + "'");
        };
    }
}
