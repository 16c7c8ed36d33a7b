package dev.moat.core.policy;

import dev.moat.core.limit.LimitSpec;

import java.util.List;
import java.util.Map;

/**
 * The named presets that fill {@code rate_limits} before a file's own entries merge over them.
 * The reasoning behind each number is in docs/presets.md.
 */
public final class Presets {
    private Presets() {
    }

    public static final List<String> NAMES = List.of("private_small", "private_medium", "public_medium", "public_large", "none");

    private static final long SECOND = 1000;
    private static final long MINUTE = 60 * SECOND;

    public static RateLimits get(String name) {
        return switch (name) {
            case "none" -> new RateLimits("none", RealmLimits.EMPTY, RealmLimits.EMPTY, List.of());
            case "private_small", "private_medium", "public_medium", "public_large" -> privateSmall(name);
            default -> throw new IllegalArgumentException("unknown preset '" + name + "': expected one of " + NAMES);
        };
    }

    private static RateLimits privateSmall(String name) {
        RealmLimits client = new RealmLimits(
                Map.of("login", List.of(LimitConfig.of(LimitSpec.gcra(7, 5 * MINUTE), By.IP)),
                        "message", List.of(LimitConfig.of(LimitSpec.gcra(40, MINUTE), By.IP),
                                LimitConfig.of(LimitSpec.gcra(40, MINUTE), By.USER))),
                Map.of(), Map.of());
        return new RateLimits(name, client, RealmLimits.EMPTY, List.of());
    }
}
