package dev.moat.reliability;

import dev.moat.core.CheckRequest;
import dev.moat.core.Decision;
import dev.moat.core.LimitStatus;
import dev.moat.core.ManualClock;
import dev.moat.core.Moat;
import dev.moat.core.Reason;
import dev.moat.core.Verdict;
import dev.moat.core.limit.Algorithm;
import dev.moat.core.limit.LimitSpec;
import dev.moat.core.policy.BanPolicy;
import dev.moat.core.policy.By;
import dev.moat.core.policy.ConcurrencyConfig;
import dev.moat.core.policy.LimitConfig;
import dev.moat.core.policy.MoatPolicy;
import dev.moat.core.policy.RateLimits;
import dev.moat.core.policy.RealmLimits;
import dev.moat.core.policy.ViolationPolicy;
import dev.moat.core.store.MemoryLimitStore;
import dev.moat.core.store.MemoryStateStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The wall clock jumping backwards and forwards (an NTP step, a VM resumed, an operator's
 * {@code date -s}) through the engine and the memory stores, driven by a {@link ManualClock}.
 *
 * <p>What must hold: a clock that goes back never admits more than the limit, whatever the
 * algorithm, because every algorithm keeps the state it already has rather than opening a fresh
 * window; a clock that goes forward admits what the time it claims allows, and nothing more when
 * it comes back; bans end at their instant; scores never grow from the clock alone; a random walk
 * of the clock through every kind of call never throws and never reports a negative or absurd
 * number.
 */
class ClockJumpReliabilityTest {
    static final long SECOND = 1000;
    static final long MINUTE = 60 * SECOND;
    static final long HOUR = 60 * MINUTE;
    static final long DAY = 24 * HOUR;
    static final String IP = "203.0.113.7";

    private static final BanPolicy NO_BANS = new BanPolicy(false, 20, 2 * HOUR, true, 64, 1, 30 * DAY);

    static LimitSpec spec(Algorithm a, long max, long per) {
        return switch (a) {
            case GCRA -> LimitSpec.gcra(max, per);
            case FIXED_WINDOW -> LimitSpec.fixedWindow(max, per);
            case SLIDING_WINDOW -> LimitSpec.slidingWindow(max, per, per / 10);
        };
    }

    static MoatPolicy loginPolicy(LimitSpec login, BanPolicy bans) {
        RealmLimits client = new RealmLimits(Map.of("login", List.of(LimitConfig.of(login, By.IP))), Map.of(),
                Map.of("message", new ConcurrencyConfig(2, MINUTE)));
        return MoatPolicy.defaults()
                .withRateLimits(new RateLimits("none", client, RealmLimits.EMPTY, List.of()))
                .withBans(bans)
                .withViolations(new ViolationPolicy(Map.of(), true, true, HOUR, 90 * DAY));
    }

    static Decision login(Moat moat) {
        return moat.check(CheckRequest.builder("login").ip(IP).build());
    }

    /** How many of {@code n} logins are admitted, each {@code stepMillis} after the last. */
    static int admitted(Moat moat, ManualClock clock, int n, long stepMillis) {
        int ok = 0;
        for (int i = 0; i < n; i++) {
            Decision d = login(moat);
            assertSane(d);
            if (d.allowed()) {
                ok++;
            }
            clock.advanceMillis(stepMillis);
        }
        return ok;
    }

    static void assertSane(Decision d) {
        assertThat(d).isNotNull();
        if (!d.allowed()) {
            assertThat(d.retryAfterMillis()).as("retry after of %s", d).isGreaterThanOrEqualTo(-1);
        }
        for (LimitStatus l : d.limits()) {
            assertThat(l.remaining()).isBetween(0L, l.max());
            assertThat(l.resetMillis()).isNotNegative();
        }
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void aClockThatJumpsBackAdmitsNothingMoreUntilItHasCaughtUp(Algorithm algorithm) {
        ManualClock clock = new ManualClock();
        long t0 = clock.nowMillis();
        Moat moat = Moat.builder().clock(clock).policy(loginPolicy(spec(algorithm, 5, 10 * MINUTE), NO_BANS)).build();
        assertThat(admitted(moat, clock, 6, 0)).isEqualTo(5);

        for (long jump : new long[] {SECOND, MINUTE, HOUR, DAY, 30 * DAY}) {
            clock.setMillis(t0 - jump);
            // 50 attempts while the clock creeps back towards t0: the spent budget is remembered
            assertThat(admitted(moat, clock, 50, jump / 60)).as("%s after a jump back of %d ms", algorithm, jump)
                    .isZero();
            clock.setMillis(t0 - jump);
            Decision d = login(moat);
            assertThat(d.reason()).isEqualTo(Reason.RATE_LIMITED);
            assertThat(d.retryAfterMillis()).as("a retry never needs more than the jump plus one window")
                    .isPositive().isLessThanOrEqualTo(jump + 10 * MINUTE);
        }
        // once the clock is a window past t0 again, the limit is back to normal
        clock.setMillis(t0 + 10 * MINUTE + 1);
        assertThat(admitted(moat, clock, 6, 0)).isEqualTo(5);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void aPartlySpentBudgetIsNotRefilledByAJumpBack(Algorithm algorithm) {
        ManualClock clock = new ManualClock();
        long t0 = clock.nowMillis();
        Moat moat = Moat.builder().clock(clock).policy(loginPolicy(spec(algorithm, 5, 10 * MINUTE), NO_BANS)).build();
        assertThat(admitted(moat, clock, 3, 0)).isEqualTo(3);
        clock.setMillis(t0 - HOUR);
        assertThat(admitted(moat, clock, 20, SECOND)).as(algorithm.name()).isLessThanOrEqualTo(2);
    }

    @ParameterizedTest
    @EnumSource(Algorithm.class)
    void aClockThatJumpsForwardAdmitsOneWindowAndNothingMoreWhenItComesBack(Algorithm algorithm) {
        ManualClock clock = new ManualClock();
        long t0 = clock.nowMillis();
        Moat moat = Moat.builder().clock(clock).policy(loginPolicy(spec(algorithm, 5, 10 * MINUTE), NO_BANS)).build();
        assertThat(admitted(moat, clock, 6, 0)).isEqualTo(5);
        clock.setMillis(t0 + DAY);
        assertThat(admitted(moat, clock, 6, 0)).as("a day later, by this clock").isEqualTo(5);
        clock.setMillis(t0 + SECOND);
        assertThat(admitted(moat, clock, 30, 10 * SECOND)).as("the clock corrected back to t0").isZero();
    }

    @Test
    void bansEndAtTheirInstantWhicheverWayTheClockJumps() {
        ManualClock clock = new ManualClock();
        long t0 = clock.nowMillis();
        BanPolicy bans = new BanPolicy(true, 2, HOUR, true, 64, 1, 30 * DAY);
        Moat moat = Moat.builder().clock(clock).policy(loginPolicy(LimitSpec.fixedWindow(1, HOUR), bans)).build();
        assertThat(login(moat).allowed()).isTrue();
        assertThat(login(moat).verdict()).isEqualTo(Verdict.DENY);
        Decision banned = login(moat);
        assertThat(banned.verdict()).isEqualTo(Verdict.BAN);
        long expires = banned.ban().expiresAtMillis();
        assertThat(expires).isEqualTo(t0 + HOUR);

        clock.setMillis(t0 - DAY);
        Decision d = login(moat);
        assertThat(d.reason()).isEqualTo(Reason.BANNED);
        assertThat(d.retryAfterMillis()).as("the time left is to the ban's instant").isEqualTo(DAY + HOUR);
        assertThat(moat.bans(null, null, null, 100).items()).extracting(b -> b.subject()).containsExactly("ip:" + IP);

        clock.setMillis(t0 + HOUR - 1);
        assertThat(login(moat).retryAfterMillis()).isEqualTo(1);

        clock.setMillis(t0 + HOUR);
        assertThat(login(moat).allowed()).as("the ban is over at its instant, and so is the login window").isTrue();
        assertThat(moat.bans(null, null, null, 100).items()).isEmpty();
        assertThat(moat.banOf("ip:" + IP)).isNull();
    }

    @Test
    void scoresNeverGrowFromTheClockAlone() {
        ManualClock clock = new ManualClock();
        long t0 = clock.nowMillis();
        Moat moat = Moat.builder().clock(clock).policy(loginPolicy(LimitSpec.fixedWindow(1, HOUR), NO_BANS)).build();
        moat.reportViolation("logins", "mallory", null, 4.0, "test");
        double at0 = moat.history("user:mallory", null, 10).scores().get("logins");
        assertThat(at0).isEqualTo(4.0);
        clock.setMillis(t0 - 30 * DAY);
        assertThat(moat.history("user:mallory", null, 10).scores().get("logins")).as("back a month").isEqualTo(4.0);
        clock.setMillis(t0 + HOUR);
        assertThat(moat.history("user:mallory", null, 10).scores().get("logins")).as("one half-life on").isEqualTo(2.0);
        clock.setMillis(t0 - HOUR);
        moat.reportViolation("logins", "mallory", null, 1.0, "after a jump back");
        assertThat(moat.history("user:mallory", null, 10).scores().get("logins")).isLessThanOrEqualTo(5.0);
    }

    /**
     * A long random walk of the clock (steps of up to two days either way) through checks,
     * violations, bans, unbans and leases of a small population: no call throws, every number
     * reported is sane, the memory stores stay bounded.
     */
    @Test
    void aRandomWalkOfTheClockThroughEveryCallNeverThrows() {
        ManualClock clock = new ManualClock();
        BanPolicy bans = new BanPolicy(true, 3, 10 * MINUTE, true, 64, 2, DAY);
        MemoryLimitStore limits = new MemoryLimitStore(500);
        MemoryStateStore state = new MemoryStateStore();
        Moat moat = Moat.builder().clock(clock).limitStore(limits).stateStore(state)
                .policy(loginPolicy(LimitSpec.slidingWindow(3, MINUTE, 6 * SECOND), bans)).build();
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < 50_000; i++) {
            int r = random.nextInt(100);
            if (r < 2) {
                clock.advanceMillis(random.nextLong(-2 * DAY, 2 * DAY));
            } else {
                clock.advanceMillis(random.nextLong(0, 5 * SECOND));
            }
            String user = "u" + random.nextInt(50);
            String ip = "198.51.100." + random.nextInt(1, 60);
            if (r < 70) {
                assertSane(moat.check(CheckRequest.builder("login").user(user).ip(ip).build()));
            } else if (r < 80) {
                Moat.LeaseResult lease = moat.acquire("message", dev.moat.core.policy.Realm.CLIENT, user, ip);
                if (lease.allowed()) {
                    assertThat(lease.expiresAtMillis()).isGreaterThan(clock.nowMillis());
                    if (random.nextBoolean()) {
                        moat.release(lease.lease());
                    }
                } else {
                    assertSane(lease.refusal());
                }
            } else if (r < 90) {
                moat.reportViolation("spam", user, ip, 1.0, "walk");
            } else if (r < 95) {
                moat.ban("user:" + user, random.nextLong(1, DAY), "walk", "ops");
            } else {
                moat.unban("user:" + user, "ops", "walk");
            }
        }
        assertThat(limits.trackedKeys()).isLessThanOrEqualTo(500);
        assertThat(moat.activeBanCount()).isNotNegative();
    }
}
