package dev.moat.core.limit;

import org.junit.jupiter.api.Test;

import static dev.moat.core.limit.Driver.MIB;
import static dev.moat.core.limit.Driver.T0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The sliding window at bucket precision (Open WebUI), on times passed in. T0 is a multiple of
 * every precision used here, so bucket b of a test starts at T0 + b * precision.
 */
class SlidingWindowTest {
    private static final long FIVE_MINUTES = 5 * 60_000;
    private static final long HOUR = 3_600_000;

    @Test
    void theSeventhLoginPassesTheEighthIsRefusedAndOnePassesAgainExactlyWhenTheOldestBucketLeaves() {
        Driver d = new Driver(LimitSpec.slidingWindow(7, FIVE_MINUTES, 0)); // precision per/10 = 30 s
        assertThat(d.limiter.spec().precisionMillis()).isEqualTo(30_000);
        d.fill(T0 + 1000, 4);   // bucket 0
        d.fill(T0 + 45_000, 2); // bucket 1
        Step seventh = d.hit(T0 + 45_000);
        assertThat(seventh.allowed()).isTrue();
        assertThat(seventh.remaining()).isZero();

        Step eighth = d.hit(T0 + 100_000);
        assertThat(eighth.allowed()).isFalse();
        // bucket 0 leaves the window when bucket 10 begins: T0 + 300000
        assertThat(eighth.retryAfterMillis()).isEqualTo(200_000);
        assertThat(d.hit(T0 + 299_999).allowed()).as("1 ms early").isFalse();
        Step again = d.hit(T0 + 300_000);
        assertThat(again.allowed()).isTrue();
        assertThat(again.remaining()).as("4 left with bucket 0, 3 still counted in bucket 1, 1 just spent").isEqualTo(3);
        d.fill(T0 + 300_000, 3);
        Step next = d.hit(T0 + 300_000);
        assertThat(next.allowed()).isFalse();
        assertThat(next.retryAfterMillis()).as("bucket 1 leaves at T0 + 330000").isEqualTo(30_000);
    }

    @Test
    void eachBucketLeavesTheWindowExactlyAtItsBoundary() {
        Driver d = new Driver(LimitSpec.slidingWindow(3, 1000, 100)); // 10 buckets of 100 ms
        d.hit(T0 + 50);  // bucket 0
        d.hit(T0 + 150); // bucket 1
        d.hit(T0 + 299); // bucket 2, its last millisecond
        Step s = d.hit(T0 + 300);
        assertThat(s.allowed()).isFalse();
        assertThat(s.retryAfterMillis()).isEqualTo(700);
        assertThat(d.hit(T0 + 999).allowed()).as("bucket 0 still inside at 999").isFalse();
        assertThat(d.hit(T0 + 1000).allowed()).as("bucket 0 gone at 1000").isTrue();
        Step full = d.hit(T0 + 1000);
        assertThat(full.allowed()).isFalse();
        assertThat(full.retryAfterMillis()).isEqualTo(100);
        assertThat(d.hit(T0 + 1099).allowed()).isFalse();
        assertThat(d.hit(T0 + 1100).allowed()).isTrue();
        // the hit at T0 + 299 counts until T0 + 1199: at precision 100 ms it is rounded into
        // its bucket, so it is forgotten at the bucket's boundary, not 1000 ms after the hit
        assertThat(d.hit(T0 + 1199).allowed()).isFalse();
        assertThat(d.hit(T0 + 1200).allowed()).isTrue();
    }

    @Test
    void aLargeCostWaitsForAsManyBucketsAsItNeeds() {
        Driver d = new Driver(LimitSpec.slidingWindow(5, 1000, 100));
        d.hit(T0 + 10, 2);  // bucket 0
        d.hit(T0 + 120, 2); // bucket 1
        d.hit(T0 + 230, 1); // bucket 2
        Step s = d.hit(T0 + 500, 3);
        assertThat(s.allowed()).isFalse();
        // bucket 0 leaving frees 2 (not enough), bucket 1 leaving at T0 + 1100 frees 4
        assertThat(s.retryAfterMillis()).isEqualTo(600);
        assertThat(d.hit(T0 + 1099, 3).allowed()).isFalse();
        assertThat(d.hit(T0 + 1000, 2).allowed()).as("2 fit once bucket 0 left").isTrue();
    }

    @Test
    void aWindowThatIsNotAMultipleOfThePrecisionCountsWholeBuckets() {
        // 1000 / 300 rounds up to 4 buckets: the window is 1200 ms at this precision
        Driver d = new Driver(LimitSpec.slidingWindow(1, 1000, 300));
        d.hit(T0);
        Step s = d.hit(T0 + 1000);
        assertThat(s.allowed()).isFalse();
        assertThat(s.retryAfterMillis()).isEqualTo(200);
        assertThat(d.hit(T0 + 1200).allowed()).isTrue();
    }

    @Test
    void noBurstOfTwiceTheMaxAcrossAWindowEdge() {
        Driver d = new Driver(LimitSpec.slidingWindow(7, FIVE_MINUTES, 0));
        d.hit(T0);
        d.fill(T0 + FIVE_MINUTES - 1, 6);
        // at the fixed window's edge only bucket 0's single hit has left
        d.fill(T0 + FIVE_MINUTES, 1);
        assertThat(d.hit(T0 + FIVE_MINUTES).allowed()).isFalse();
    }

    @Test
    void aCostAboveOneSpendsBytesAndACostAboveTheMaxCanNeverPass() {
        Driver d = new Driver(LimitSpec.slidingWindow(20 * MIB, HOUR, 6 * 60_000));
        assertThat(d.hit(T0, 20 * MIB).allowed()).isTrue();
        Step oneByte = d.hit(T0 + 1000, 1);
        assertThat(oneByte.allowed()).isFalse();
        assertThat(oneByte.retryAfterMillis()).isEqualTo(HOUR - 1000);
        assertThat(d.hit(T0 + HOUR - 1, 1).allowed()).isFalse();
        assertThat(d.hit(T0 + HOUR, 20 * MIB).allowed()).isTrue();

        Step tooBig = d.hit(T0 + 10 * HOUR, 20 * MIB + 1);
        assertThat(tooBig.allowed()).isFalse();
        assertThat(tooBig.retryAfterMillis()).isEqualTo(Step.NEVER);
        Driver fresh = new Driver(LimitSpec.slidingWindow(20 * MIB, HOUR, 6 * 60_000));
        assertThat(fresh.hit(T0, 150 * MIB).retryAfterMillis()).isEqualTo(Step.NEVER);
        assertThat(fresh.state).isNull();
    }

    @Test
    void remainingAndResetDescribeTheWindow() {
        Driver d = new Driver(LimitSpec.slidingWindow(5, 1000, 100));
        Step first = d.hit(T0 + 10, 2);
        assertThat(first.remaining()).isEqualTo(3);
        assertThat(first.resetMillis()).as("bucket 0 leaves at 1000").isEqualTo(990);
        Step second = d.hit(T0 + 420, 3);
        assertThat(second.remaining()).isZero();
        assertThat(second.resetMillis()).as("the newest bucket, 4, leaves at 1400").isEqualTo(980);
        Step refused = d.hit(T0 + 500);
        assertThat(refused.remaining()).isZero();
        assertThat(refused.resetMillis()).isEqualTo(900);
        Step later = d.hit(T0 + 1000);
        assertThat(later.allowed()).isTrue();
        assertThat(later.remaining()).isEqualTo(1);
        assertThat(later.resetMillis()).isEqualTo(1000);
    }

    @Test
    void aRefundTakesFromTheNewestBucketsFirst() {
        Driver d = new Driver(LimitSpec.slidingWindow(5, 1000, 100));
        d.hit(T0, 3);       // bucket 0
        d.hit(T0 + 500, 2); // bucket 5
        d.refund(T0 + 500, 3);
        // bucket 5 gave back 2, bucket 0 gave back 1: 2 units left in bucket 0 only
        Step s = d.hit(T0 + 500, 3);
        assertThat(s.allowed()).isTrue();
        assertThat(d.hit(T0 + 500).retryAfterMillis()).as("bucket 0 leaves first").isEqualTo(500);

        d.refund(T0 + 600, 100);
        assertThat(d.idle(T0 + 600)).isTrue();
        d.assertIdleConsistent(T0 + 600);
        assertThat(LimitSpec.slidingWindow(5, 1000, 100).limiter().refund(null, T0, 1)).isNull();
    }

    @Test
    void idlenessAgreesWithIdleAtAndTheNewestBucket() {
        Driver d = new Driver(LimitSpec.slidingWindow(7, FIVE_MINUTES, 0));
        assertThat(d.idle(T0)).isTrue();
        d.hit(T0 + 1000);
        Step s = d.hit(T0 + 65_000); // bucket 2 leaves at T0 + 360000
        d.assertIdleConsistent(T0 + 65_000);
        assertThat(IdleAt.millis(d.state)).isEqualTo(T0 + 360_000).isEqualTo(T0 + 65_000 + s.resetMillis());
        for (long t : new long[] {T0 + 300_000, T0 + 359_999, T0 + 360_000, T0 + 10 * HOUR}) {
            d.assertIdleConsistent(t);
        }
        assertThat(d.idle(T0 + 359_999)).isFalse();
        assertThat(d.idle(T0 + 360_000)).isTrue();
        d.fill(T0 + 360_000, 7);
    }

    @Test
    void aClockGoingBackwardsKeepsTheCountsItKnows() {
        Driver d = new Driver(LimitSpec.slidingWindow(7, FIVE_MINUTES, 0));
        d.fill(T0 + 100_000, 7);
        Step back = d.hit(T0 + 10_000);
        assertThat(back.allowed()).isFalse();
        assertThat(back.retryAfterMillis()).as("bucket 3 still leaves at T0 + 390000").isEqualTo(380_000);
        Step far = d.hit(T0 - 30L * 24 * HOUR);
        assertThat(far.allowed()).isFalse();
        assertThat(far.retryAfterMillis()).isPositive();
        assertThat(d.hit(T0 + 389_999).allowed()).isFalse();
        d.fill(T0 + 390_000, 7);

        // a partial window hit before the clock went back is still counted afterwards
        Driver partial = new Driver(LimitSpec.slidingWindow(7, FIVE_MINUTES, 0));
        partial.fill(T0 + 100_000, 5);
        partial.fill(T0 + 50_000, 2);
        assertThat(partial.hit(T0 + 50_000).allowed()).isFalse();
        partial.assertIdleConsistent(T0 + 50_000);
    }

    @Test
    void aPrecisionThatCutsTheWindowTooFineIsRefusedAtConfiguration() {
        assertThatThrownBy(() -> LimitSpec.slidingWindow(10, HOUR, 100))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("100ms");
        assertThatThrownBy(() -> LimitSpec.slidingWindow(10, 1000, 2000))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2000ms");
    }
}
