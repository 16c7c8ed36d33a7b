package dev.moat.core;

import dev.moat.core.ban.Ban;
import dev.moat.core.policy.BanPolicy;
import dev.moat.core.policy.MoatPolicy;
import org.junit.jupiter.api.Test;

import static dev.moat.core.Policies.HOUR;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code escalation: {factor: 2, max: 5h}} with {@code duration: 1h}: 1h, 2h, 4h, then capped at 5h. */
class BanEscalationTest {

    private final ManualClock clock = new ManualClock();
    private final Moat moat = Policies.moat(clock, MoatPolicy.defaults()
            .withRateLimits(Policies.limits().build())
            .withBans(new BanPolicy(true, 20, HOUR, true, 64, 2, 5 * HOUR)));

    /** One violation worth a whole interval: every call starts a ban. */
    private Moat.ViolationResult strike(String user, String ip) {
        return moat.reportViolation("message_limit", user, ip, 20.0, null);
    }

    private static long length(Ban b) {
        return b.expiresAtMillis() - b.createdAtMillis();
    }

    @Test
    void eachBanOfASubjectLastsTwiceTheLastUpToTheCap() {
        long[] expected = {HOUR, 2 * HOUR, 4 * HOUR, 5 * HOUR, 5 * HOUR};
        for (long want : expected) {
            Ban ban = strike("alice", "203.0.113.5").ban();
            assertThat(length(ban)).isEqualTo(want);
            assertThat(length(moat.banOf("ip:203.0.113.5"))).isEqualTo(want);
            clock.advanceMillis(want);
            assertThat(moat.check(CheckRequest.builder("join").user("alice").build()).allowed()).isTrue();
        }
    }

    @Test
    void userAndIpEscalateIndependently() {
        strike("alice", "203.0.113.5");
        clock.advanceMillis(HOUR);
        strike("alice", "203.0.113.5");
        clock.advanceMillis(2 * HOUR);
        // alice and 203.0.113.5 each have two bans behind them

        Moat.ViolationResult bob = strike("bob", "203.0.113.5");
        assertThat(length(bob.ban())).as("bob's first ban").isEqualTo(HOUR);
        assertThat(length(moat.banOf("ip:203.0.113.5"))).as("the address's third ban").isEqualTo(4 * HOUR);

        Moat.ViolationResult alice = strike("alice", "198.51.100.9");
        assertThat(length(alice.ban())).as("alice's third ban").isEqualTo(4 * HOUR);
        assertThat(length(moat.banOf("ip:198.51.100.9"))).as("a new address's first ban").isEqualTo(HOUR);
    }

    @Test
    void aBanEndsExactlyAtItsExpiryOnTheClock() {
        long start = clock.nowMillis();
        Ban ban = strike("alice", "203.0.113.5").ban();
        assertThat(ban.expiresAtMillis()).isEqualTo(start + HOUR);
        CheckRequest join = CheckRequest.builder("join").user("alice").ip("203.0.113.5").build();

        clock.setMillis(ban.expiresAtMillis() - 1);
        Decision last = moat.check(join);
        assertThat(last.verdict()).isEqualTo(Verdict.DENY);
        assertThat(last.reason()).isEqualTo(Reason.BANNED);
        assertThat(last.retryAfterMillis()).isEqualTo(1);

        clock.setMillis(ban.expiresAtMillis());
        assertThat(moat.check(join).allowed()).isTrue();
        assertThat(moat.bans(null, null, null, 10).items()).isEmpty();
    }
}
