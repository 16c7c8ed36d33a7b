package dev.moat.core.policy;

import dev.moat.core.limit.LimitSpec;

/**
 * One limit entry of the config: the counting rule and what it is keyed by ({@code by} is
 * ignored under {@code global}).
 */
public record LimitConfig(LimitSpec spec, By by) {
    public LimitConfig {
        if (spec == null) {
            throw new IllegalArgumentException("a limit needs max and per");
        }
        by = by == null ? By.TARGET : by;
    }

    public static LimitConfig of(LimitSpec spec) {
        return new LimitConfig(spec, By.TARGET);
    }

    public static LimitConfig of(LimitSpec spec, By by) {
        return new LimitConfig(spec, by);
    }
}
