package dev.moat.core;

import dev.moat.core.limit.LimitSpec;
import dev.moat.core.policy.BanPolicy;
import dev.moat.core.policy.By;
import dev.moat.core.policy.ConcurrencyConfig;
import dev.moat.core.policy.LimitConfig;
import dev.moat.core.policy.MoatPolicy;
import dev.moat.core.policy.RateLimits;
import dev.moat.core.policy.RealmLimits;
import dev.moat.core.policy.ViolationPolicy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Small builders for the engine-level tests: policies written out in the test, no presets. */
final class Policies {
    static final long SECOND = 1000;
    static final long MINUTE = 60 * SECOND;
    static final long HOUR = 60 * MINUTE;
    static final long DAY = 24 * HOUR;

    private Policies() {
    }

    /** One limit entry. */
    static LimitConfig limit(LimitSpec spec, By by) {
        return LimitConfig.of(spec, by);
    }

    /** A fixed window of {@code max} per day: refuses everything after {@code max} within the test. */
    static LimitConfig perDay(long max, By by) {
        return LimitConfig.of(LimitSpec.fixedWindow(max, DAY), by);
    }

    /** Client-realm limits with no preset under them. */
    static final class Limits {
        private final Map<String, List<LimitConfig>> target = new LinkedHashMap<>();
        private final Map<String, List<LimitConfig>> global = new LinkedHashMap<>();
        private final Map<String, ConcurrencyConfig> concurrent = new LinkedHashMap<>();
        private List<String> exempt = List.of();

        Limits target(String action, LimitConfig... limits) {
            target.put(action, List.of(limits));
            return this;
        }

        Limits global(String action, LimitConfig... limits) {
            global.put(action, List.of(limits));
            return this;
        }

        Limits concurrent(String action, int max, long leaseMillis) {
            concurrent.put(action, new ConcurrencyConfig(max, leaseMillis));
            return this;
        }

        Limits exempt(String... subjects) {
            exempt = List.of(subjects);
            return this;
        }

        RateLimits build() {
            return new RateLimits("none", new RealmLimits(target, global, concurrent), RealmLimits.EMPTY, exempt);
        }

        MoatPolicy policy() {
            return MoatPolicy.defaults().withRateLimits(build());
        }
    }

    static Limits limits() {
        return new Limits();
    }

    /** bans: enabled, the given interval and duration, ban_ip on, /64, no escalation. */
    static BanPolicy bans(long interval, long durationMillis) {
        return new BanPolicy(true, interval, durationMillis, true, 64, 1, Math.max(durationMillis, 30 * DAY));
    }

    /** violations: the given switches, default scores, 90 days of log. */
    static ViolationPolicy violations(boolean anonymousByIp, boolean perType, long halfLifeMillis) {
        return new ViolationPolicy(Map.of(), anonymousByIp, perType, halfLifeMillis, 90 * DAY);
    }

    static ViolationPolicy scores(Map<String, Integer> scores) {
        return new ViolationPolicy(scores, true, true, 0, 90 * DAY);
    }

    static Moat moat(ManualClock clock, MoatPolicy policy) {
        return Moat.builder().clock(clock).policy(policy).build();
    }
}
