package dev.moat.core.limit;

import org.junit.jupiter.api.Test;

import static dev.moat.core.limit.Driver.MIB;
import static dev.moat.core.limit.Driver.T0;
import static org.assertj.core.api.Assertions.assertThat;

/** The fixed window opened by the first hit (express-rate-limit's MemoryStore), on times passed in. */
class FixedWindowTest {
    private static final long FIVE_MINUTES = 5 * 60_000;
    private static final long HOUR = 3_600_000;

    @Test
    void theSeventhLoginPassesTheEighthIsRefusedAndOnePassesAgainExactlyWhenTheWindowCloses() {
        Driver d = new Driver(LimitSpec.fixedWindow(7, FIVE_MINUTES));
        long start = T0 + 12_345; // the window opens at the first hit, not on a round boundary
        for (int i = 1; i <= 7; i++) {
            Step s = d.hit(start + (i - 1) * 10_000L);
            assertThat(s.allowed()).as("login %d", i).isTrue();
            assertThat(s.remaining()).isEqualTo(7 - i);
        }
        long at = start + 100_000;
        Step eighth = d.hit(at);
        assertThat(eighth.allowed()).isFalse();
        assertThat(eighth.retryAfterMillis()).isEqualTo(FIVE_MINUTES - 100_000);
        assertThat(d.hit(at + eighth.retryAfterMillis() - 1).allowed()).as("1 ms early").isFalse();
        Step again = d.hit(at + eighth.retryAfterMillis());
        assertThat(again.allowed()).isTrue();
        assertThat(again.remaining()).as("a whole new window").isEqualTo(6);
        assertThat(again.resetMillis()).isEqualTo(FIVE_MINUTES);
    }

    @Test
    void theWindowDoesNotSlideRefusalsDoNotExtendIt() {
        Driver d = new Driver(LimitSpec.fixedWindow(2, 1000));
        d.fill(T0, 2);
        for (long t = T0 + 1; t < T0 + 1000; t += 37) {
            Step s = d.hit(t);
            assertThat(s.allowed()).isFalse();
            assertThat(s.retryAfterMillis()).isEqualTo(T0 + 1000 - t);
        }
        assertThat(d.hit(T0 + 1000).allowed()).isTrue();
    }

    @Test
    void aBurstAcrossTheEdgeOfTwoWindowsAdmitsTwiceTheMaxByDesign() {
        // the known weakness of fixed windows, kept for express-rate-limit parity
        Driver d = new Driver(LimitSpec.fixedWindow(7, FIVE_MINUTES));
        d.hit(T0);
        d.fill(T0 + FIVE_MINUTES - 1, 6);
        d.fill(T0 + FIVE_MINUTES, 7);
        assertThat(d.hit(T0 + FIVE_MINUTES).allowed()).isFalse();
    }

    @Test
    void aCostAboveOneSpendsBytesAndACostAboveTheMaxCanNeverPass() {
        Driver d = new Driver(LimitSpec.fixedWindow(20 * MIB, HOUR));
        Step upload = d.hit(T0, 20 * MIB);
        assertThat(upload.allowed()).isTrue();
        assertThat(upload.remaining()).isZero();
        Step oneByte = d.hit(T0 + 1000, 1);
        assertThat(oneByte.allowed()).isFalse();
        assertThat(oneByte.retryAfterMillis()).isEqualTo(HOUR - 1000);
        assertThat(d.hit(T0 + HOUR - 1, 1).allowed()).isFalse();
        assertThat(d.hit(T0 + HOUR, 1).allowed()).isTrue();

        Step tooBig = d.hit(T0 + HOUR, 20 * MIB + 1);
        assertThat(tooBig.allowed()).isFalse();
        assertThat(tooBig.retryAfterMillis()).isEqualTo(Step.NEVER);
        Driver fresh = new Driver(LimitSpec.fixedWindow(20 * MIB, HOUR));
        assertThat(fresh.hit(T0, 150 * MIB).retryAfterMillis()).isEqualTo(Step.NEVER);
        assertThat(fresh.state).isNull();
    }

    @Test
    void remainingAndResetDescribeTheWindow() {
        Driver d = new Driver(LimitSpec.fixedWindow(5, 10_000));
        Step first = d.hit(T0, 2);
        assertThat(first.remaining()).isEqualTo(3);
        assertThat(first.resetMillis()).isEqualTo(10_000);
        Step second = d.hit(T0 + 4000, 3);
        assertThat(second.remaining()).isZero();
        assertThat(second.resetMillis()).isEqualTo(6000);
        Step refused = d.hit(T0 + 5000);
        assertThat(refused.remaining()).isZero();
        assertThat(refused.resetMillis()).isEqualTo(5000);
        Step zero = new Driver(LimitSpec.fixedWindow(5, 10_000)).hit(T0, 0);
        assertThat(zero.allowed()).isTrue();
        assertThat(zero.remaining()).isEqualTo(5);
        assertThat(zero.resetMillis()).as("a zero cost opens no window").isZero();
    }

    @Test
    void aRefundGivesBackUnitsInsideTheSameWindow() {
        Driver d = new Driver(LimitSpec.fixedWindow(7, FIVE_MINUTES));
        d.fill(T0, 7);
        d.refund(T0 + 1000, 2);
        d.fill(T0 + 1000, 2);
        Step s = d.hit(T0 + 1000);
        assertThat(s.allowed()).isFalse();
        assertThat(s.retryAfterMillis()).as("the window end did not move").isEqualTo(FIVE_MINUTES - 1000);

        d.refund(T0 + 2000, 50);
        assertThat(d.idle(T0 + 2000)).as("everything given back").isTrue();
        d.assertIdleConsistent(T0 + 2000);
        d.fill(T0 + 3000, 7);
        assertThat(d.hit(T0 + 3000).retryAfterMillis()).as("refunded to zero: a fresh window").isEqualTo(FIVE_MINUTES);

        // a refund after the window closed changes nothing
        long[] before = d.state;
        d.refund(T0 + 3000 + FIVE_MINUTES, 3);
        assertThat(d.state).isSameAs(before);
        assertThat(LimitSpec.fixedWindow(7, FIVE_MINUTES).limiter().refund(null, T0, 1)).isNull();
    }

    @Test
    void idlenessAgreesWithIdleAtAndTheWindowEnd() {
        Driver d = new Driver(LimitSpec.fixedWindow(7, FIVE_MINUTES));
        assertThat(d.idle(T0)).isTrue();
        Step s = d.hit(T0 + 500);
        long end = T0 + 500 + FIVE_MINUTES;
        assertThat(IdleAt.millis(d.state)).isEqualTo(end);
        assertThat(d.untilIdle(T0 + 500)).isEqualTo(s.resetMillis());
        for (long t : new long[] {T0 + 500, end - 1, end, end + 1}) {
            d.assertIdleConsistent(t);
        }
        assertThat(d.idle(end - 1)).isFalse();
        assertThat(d.idle(end)).isTrue();
        // a zero-cost hit stores nothing a store would mistake for debt
        Driver zero = new Driver(LimitSpec.fixedWindow(7, FIVE_MINUTES));
        zero.hit(T0, 0);
        zero.assertIdleConsistent(T0);
        assertThat(zero.idle(T0)).isTrue();
    }

    @Test
    void aClockGoingBackwardsKeepsTheWindowAndItsCount() {
        Driver d = new Driver(LimitSpec.fixedWindow(7, FIVE_MINUTES));
        d.fill(T0, 7);
        Step within = d.hit(T0 - 1000);
        assertThat(within.allowed()).isFalse();
        assertThat(within.retryAfterMillis()).isEqualTo(FIVE_MINUTES + 1000);

        // back past the window's start: opening a new window here would admit 7 more within
        // moments of real time, so the old window holds until its end
        Step past = d.hit(T0 - 10 * FIVE_MINUTES);
        assertThat(past.allowed()).isFalse();
        assertThat(past.retryAfterMillis()).isEqualTo(11 * FIVE_MINUTES);
        d.assertIdleConsistent(T0 - 10 * FIVE_MINUTES);
        assertThat(d.hit(T0 + FIVE_MINUTES - 1).allowed()).isFalse();
        d.fill(T0 + FIVE_MINUTES, 7);
    }
}
