package dev.moat.core;

import dev.moat.core.policy.MoatPolicy;
import dev.moat.core.policy.Realm;
import org.junit.jupiter.api.Test;

import static dev.moat.core.Policies.HOUR;
import static dev.moat.core.Policies.SECOND;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code concurrent: {message: {max: 2, lease: 60s}}}: in-flight requests per user. */
class ConcurrencyLeaseTest {

    private final ManualClock clock = new ManualClock();
    private final Moat moat = Policies.moat(clock, MoatPolicy.defaults()
            .withRateLimits(Policies.limits().concurrent("message", 2, 60 * SECOND).build()));

    private Moat.LeaseResult acquire(String user) {
        return moat.acquire("message", Realm.CLIENT, user, "203.0.113.5");
    }

    @Test
    void upToMaxLeasesThenARefusalWithAConcurrentViolation() {
        Moat.LeaseResult a = acquire("alice");
        Moat.LeaseResult b = acquire("alice");
        assertThat(a.allowed()).isTrue();
        assertThat(b.allowed()).isTrue();
        assertThat(a.lease()).isNotEqualTo(b.lease());
        assertThat(a.expiresAtMillis()).isEqualTo(clock.nowMillis() + 60 * SECOND);

        clock.advanceMillis(10 * SECOND);
        Moat.LeaseResult c = acquire("alice");
        assertThat(c.allowed()).isFalse();
        assertThat(c.lease()).isNull();
        Decision refusal = c.refusal();
        assertThat(refusal.verdict()).isEqualTo(Verdict.DENY);
        assertThat(refusal.reason()).isEqualTo(Reason.CONCURRENCY);
        assertThat(refusal.violation().type()).isEqualTo("concurrent");
        assertThat(refusal.violation().total()).isEqualTo(1);
        assertThat(refusal.retryAfterMillis()).isEqualTo(50 * SECOND);
        assertThat(refusal.message()).contains("at most 2");

        assertThat(acquire("bob").allowed()).as("another user has their own leases").isTrue();
    }

    @Test
    void releaseFreesASlotAndReleasingTwiceOrUnknownIsHarmless() {
        Moat.LeaseResult a = acquire("alice");
        acquire("alice");
        assertThat(acquire("alice").allowed()).isFalse();
        moat.release(a.lease());
        moat.release(a.lease());
        moat.release("garbage");
        moat.release(null);
        assertThat(acquire("alice").allowed()).isTrue();
        assertThat(acquire("alice").allowed()).isFalse();
    }

    @Test
    void anUnreleasedLeaseLapsesAfterTheLeaseTime() {
        acquire("alice");
        acquire("alice");
        clock.advanceMillis(60 * SECOND - 1);
        assertThat(acquire("alice").allowed()).isFalse();
        clock.advanceMillis(1);
        assertThat(acquire("alice").allowed()).isTrue();
    }

    @Test
    void aBannedUserGetsNoLease() {
        moat.ban("user:mallory", HOUR, null, "ops");
        Moat.LeaseResult r = acquire("mallory");
        assertThat(r.allowed()).isFalse();
        assertThat(r.refusal().reason()).isEqualTo(Reason.BANNED);
        assertThat(r.refusal().retryAfterMillis()).isEqualTo(HOUR);
    }

    @Test
    void twentyRefusedLeasesBanAndTheRefusalSaysHowLongTheBanLasts() {
        acquire("alice");
        acquire("alice");
        Moat.LeaseResult r = null;
        for (int i = 0; i < 20; i++) {
            r = acquire("alice");
        }
        assertThat(r.refusal().verdict()).isEqualTo(Verdict.BAN);
        assertThat(r.refusal().ban().subject()).isEqualTo("user:alice");
        assertThat(r.refusal().retryAfterMillis()).as("time left on the ban, not on the lease").isEqualTo(2 * HOUR);
        assertThat(acquire("alice").refusal().reason()).isEqualTo(Reason.BANNED);
    }

    @Test
    void anActionWithoutAConcurrencyLimitAlwaysGrants() {
        for (int i = 0; i < 50; i++) {
            assertThat(moat.acquire("login", Realm.CLIENT, "alice", null).allowed()).isTrue();
        }
    }
}
