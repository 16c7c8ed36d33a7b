package dev.moat.core.limit;

import org.junit.jupiter.api.Test;

import static dev.moat.core.limit.Driver.T0;
import static org.assertj.core.api.Assertions.assertThat;

/** Concurrency leases as pure transitions: count what is in flight, and let every lease lapse. */
class LeasesTest {
    private static final long LEASE = 60_000; // LibreChat's pending-request TTL

    @Test
    void leasesAreGrantedUpToTheMaxThenRefusedUntilTheOldestExpires() {
        long[] state = null;
        for (int i = 1; i <= 3; i++) {
            Leases.Acquire a = Leases.acquire(state, T0 + i * 1000L, 3, LEASE, i);
            assertThat(a.allowed()).isTrue();
            assertThat(a.inFlight()).isEqualTo(i);
            assertThat(a.retryAfterMillis()).isZero();
            state = a.state();
        }
        Leases.Acquire refused = Leases.acquire(state, T0 + 10_000, 3, LEASE, 4);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.inFlight()).isEqualTo(3);
        // the oldest lease (taken at T0 + 1000) lapses at T0 + 61000
        assertThat(refused.retryAfterMillis()).isEqualTo(51_000);
        assertThat(Leases.acquire(state, T0 + 60_999, 3, LEASE, 4).allowed()).as("1 ms early").isFalse();
        Leases.Acquire after = Leases.acquire(state, T0 + 61_000, 3, LEASE, 4);
        assertThat(after.allowed()).isTrue();
        assertThat(after.inFlight()).isEqualTo(3);
    }

    @Test
    void theRetryIsTheTimeToTheSoonestExpiryWhateverTheOrderOfTheLeases() {
        long[] state = Leases.acquire(null, T0, 2, 90_000, 1).state();     // lapses at T0 + 90000
        state = Leases.acquire(state, T0 + 5000, 2, 10_000, 2).state();    // lapses at T0 + 15000
        Leases.Acquire refused = Leases.acquire(state, T0 + 6000, 2, 90_000, 3);
        assertThat(refused.retryAfterMillis()).isEqualTo(9000);
    }

    @Test
    void releasingFreesASlotAndReleasingAgainChangesNothing() {
        long[] state = Leases.acquire(null, T0, 2, LEASE, 11).state();
        state = Leases.acquire(state, T0, 2, LEASE, 22).state();
        assertThat(Leases.acquire(state, T0 + 1, 2, LEASE, 33).allowed()).isFalse();

        long[] released = Leases.release(state, T0 + 1, 11);
        assertThat(Leases.live(released, T0 + 1)).hasSize(2);
        assertThat(Leases.release(released, T0 + 1, 11)).as("idempotent").isSameAs(released);
        assertThat(Leases.release(released, T0 + 1, 999)).as("unknown id").isSameAs(released);
        Leases.Acquire again = Leases.acquire(released, T0 + 1, 2, LEASE, 33);
        assertThat(again.allowed()).isTrue();
        assertThat(again.inFlight()).isEqualTo(2);

        assertThat(Leases.release(null, T0, 11)).isEmpty();
        long[] none = Leases.release(Leases.release(again.state(), T0, 22), T0, 33);
        assertThat(none).isEmpty();
    }

    @Test
    void aCallerThatCrashedWithoutReleasingLocksNobodyOutForLongerThanTheLease() {
        long[] state = null;
        for (int i = 0; i < 5; i++) {
            state = Leases.acquire(state, T0, 5, LEASE, i).state();
        }
        // nobody ever releases
        assertThat(Leases.acquire(state, T0 + LEASE - 1, 5, LEASE, 9).allowed()).isFalse();
        Leases.Acquire after = Leases.acquire(state, T0 + LEASE, 5, LEASE, 9);
        assertThat(after.allowed()).isTrue();
        assertThat(after.inFlight()).as("the crashed leases are gone").isEqualTo(1);
        assertThat(after.state()).hasSize(2);
    }

    @Test
    void liveDropsExactlyTheLeasesThatHaveLapsed() {
        long[] state = Leases.acquire(null, T0, 3, 1000, 1).state();
        state = Leases.acquire(state, T0 + 500, 3, 1000, 2).state();
        assertThat(Leases.live(state, T0 + 999)).isSameAs(state);
        assertThat(Leases.live(state, T0 + 1000)).containsExactly(2, T0 + 1500);
        assertThat(Leases.live(state, T0 + 1500)).isEmpty();
        assertThat(Leases.live(null, T0)).isEmpty();
    }

    @Test
    void aClockGoingBackwardsKeepsLeasesInForce() {
        long[] state = Leases.acquire(null, T0, 1, LEASE, 1).state();
        Leases.Acquire back = Leases.acquire(state, T0 - 3_600_000, 1, LEASE, 2);
        assertThat(back.allowed()).isFalse();
        assertThat(back.retryAfterMillis()).isEqualTo(3_600_000 + LEASE);
    }
}
