package dev.moat.core.limit;

import org.junit.jupiter.api.Test;

import static dev.moat.core.limit.Driver.MIB;
import static dev.moat.core.limit.Driver.T0;
import static org.assertj.core.api.Assertions.assertThat;

/** GCRA on times passed in: exact boundaries, burst, cost, retry-after, refund, idleness. */
class GcraTest {
    private static final long FIVE_MINUTES = 5 * 60_000;
    private static final long HOUR = 3_600_000;
    /** 7 per 5 minutes: T = 300000 / 7 = 42857.14 ms, so a slot frees 42858 ms after it is due. */
    private static final long LOGIN_T_CEIL = 42_858;

    @Test
    void theSeventhLoginPassesTheEighthIsRefusedAndOnePassesAgainExactlyWhenRetryAfterSays() {
        Driver d = new Driver(LimitSpec.gcra(7, FIVE_MINUTES));
        for (int i = 1; i <= 7; i++) {
            Step s = d.hit(T0);
            assertThat(s.allowed()).as("login %d", i).isTrue();
            assertThat(s.remaining()).isEqualTo(7 - i);
        }
        Step eighth = d.hit(T0);
        assertThat(eighth.allowed()).isFalse();
        assertThat(eighth.retryAfterMillis()).isEqualTo(LOGIN_T_CEIL);

        assertThat(d.hit(T0 + LOGIN_T_CEIL - 1).allowed()).as("1 ms early").isFalse();
        assertThat(d.hit(T0 + LOGIN_T_CEIL).allowed()).isTrue();
        assertThat(d.hit(T0 + LOGIN_T_CEIL).allowed()).as("only one slot came back").isFalse();
    }

    @Test
    void loginsSpreadOverTheWindowAreRefusedUntilTheEarliestSlotIsDue() {
        Driver d = new Driver(LimitSpec.gcra(7, FIVE_MINUTES));
        for (int i = 0; i < 7; i++) {
            assertThat(d.hit(T0 + i * 1000L).allowed()).isTrue();
        }
        // the TAT is T0 + 7T exactly (the bucket never refilled to full in between), so the 8th
        // fits when TAT + T - now <= 7T, i.e. at T0 + T rounded up to the millisecond
        Step s = d.hit(T0 + 6000);
        assertThat(s.allowed()).isFalse();
        assertThat(s.retryAfterMillis()).isEqualTo(LOGIN_T_CEIL - 6000);
        assertThat(d.hit(T0 + LOGIN_T_CEIL - 1).allowed()).isFalse();
        assertThat(d.hit(T0 + LOGIN_T_CEIL).allowed()).isTrue();
    }

    @Test
    void aSteadyRateAtExactlyTheEmissionIntervalIsNeverRefused() {
        Driver d = new Driver(LimitSpec.gcra(10, 10_000, 1)); // T = 1 s, no burst
        for (int i = 0; i < 1000; i++) {
            assertThat(d.hit(T0 + i * 1000L).allowed()).as("request %d", i).isTrue();
            assertThat(d.hit(T0 + i * 1000L).allowed()).as("a second one in the same slot").isFalse();
        }
    }

    @Test
    void burstLargerThanMaxAdmitsTheWholeBurstAtOnceThenRefillsAtTheRate() {
        Driver d = new Driver(LimitSpec.gcra(7, FIVE_MINUTES, 20));
        d.fill(T0, 20);
        Step s = d.hit(T0);
        assertThat(s.allowed()).isFalse();
        assertThat(s.retryAfterMillis()).isEqualTo(LOGIN_T_CEIL);
        assertThat(s.resetMillis()).as("20 T to drain").isEqualTo(20 * FIVE_MINUTES / 7 + 1);
        assertThat(d.hit(T0 + LOGIN_T_CEIL).allowed()).isTrue();
    }

    @Test
    void burstSmallerThanMaxCapsWhatPassesAtOnceButNotTheSustainedRate() {
        Driver d = new Driver(LimitSpec.gcra(60, 60_000, 5)); // 1 per second, 5 at once
        d.fill(T0, 5);
        Step s = d.hit(T0);
        assertThat(s.allowed()).isFalse();
        assertThat(s.retryAfterMillis()).isEqualTo(1000);
        assertThat(d.hit(T0 + 999).allowed()).isFalse();
        // sustained: one per second for a minute, all pass; 60 in the minute as configured
        int passed = 0;
        for (long t = T0 + 1000; t <= T0 + 60_000; t += 1000) {
            passed += d.hit(t).allowed() ? 1 : 0;
        }
        assertThat(passed).isEqualTo(60);
        // after a long pause only 5 are available again, never 60
        d.fill(T0 + 10 * 60_000, 5);
        assertThat(d.hit(T0 + 10 * 60_000).allowed()).isFalse();
    }

    @Test
    void aMediaBudgetOf20MbPerHourWithA100MbBurstAdmitsA100MbUploadThenRefusesOneByteForExactlyOneTick() {
        Driver d = new Driver(LimitSpec.gcra(20 * MIB, HOUR, 100 * MIB));
        Step upload = d.hit(T0, 100 * MIB);
        assertThat(upload.allowed()).isTrue();
        assertThat(upload.remaining()).isZero();
        assertThat(upload.resetMillis()).as("100 MiB at 20 MiB/h").isEqualTo(5 * HOUR);

        Step oneByte = d.hit(T0, 1);
        assertThat(oneByte.allowed()).isFalse();
        // one byte every 3600000 / 20971520 ms = 0.1717 ms: the next whole millisecond
        assertThat(oneByte.retryAfterMillis()).isEqualTo(1);
        assertThat(d.peek(T0 + 1, 1).allowed()).isTrue();

        // 10 MiB comes back after exactly half an hour, not a millisecond earlier
        Step tenMib = d.hit(T0, 10 * MIB);
        assertThat(tenMib.allowed()).isFalse();
        assertThat(tenMib.retryAfterMillis()).isEqualTo(HOUR / 2);
        assertThat(d.hit(T0 + HOUR / 2 - 1, 10 * MIB).allowed()).isFalse();
        assertThat(d.hit(T0 + HOUR / 2, 10 * MIB).allowed()).isTrue();
        assertThat(d.hit(T0 + HOUR / 2, 1).allowed()).isFalse();
    }

    @Test
    void anUploadLargerThanTheBurstCanNeverPass() {
        Driver d = new Driver(LimitSpec.gcra(20 * MIB, HOUR, 100 * MIB));
        Step fresh = d.hit(T0, 150 * MIB);
        assertThat(fresh.allowed()).isFalse();
        assertThat(fresh.retryAfterMillis()).isEqualTo(Step.NEVER);
        assertThat(fresh.remaining()).isEqualTo(100 * MIB);
        assertThat(d.state).as("nothing spent").isNull();

        d.hit(T0, 10 * MIB);
        assertThat(d.hit(T0 + 100 * HOUR, 150 * MIB).retryAfterMillis()).isEqualTo(Step.NEVER);
        assertThat(d.hit(T0 + 100 * HOUR, 100 * MIB + 1).retryAfterMillis()).isEqualTo(Step.NEVER);
        assertThat(d.hit(T0 + 100 * HOUR, 100 * MIB).allowed()).isTrue();
    }

    @Test
    void remainingAndResetDescribeTheBucketAfterEachStep() {
        Driver d = new Driver(LimitSpec.gcra(10, 10_000)); // T = 1 s, burst 10
        Step first = d.hit(T0);
        assertThat(first.remaining()).isEqualTo(9);
        assertThat(first.resetMillis()).isEqualTo(1000);
        d.fill(T0, 8);
        Step tenth = d.hit(T0);
        assertThat(tenth.remaining()).isZero();
        assertThat(tenth.resetMillis()).isEqualTo(10_000);
        Step refused = d.hit(T0 + 400);
        assertThat(refused.remaining()).isZero();
        assertThat(refused.retryAfterMillis()).isEqualTo(600);
        assertThat(refused.resetMillis()).isEqualTo(9600);
        // 2.5 s later 2.5 units have dripped back: 2 whole ones remain before this hit, 1 after
        Step later = d.hit(T0 + 2500);
        assertThat(later.allowed()).isTrue();
        assertThat(later.remaining()).isEqualTo(1);
        assertThat(later.resetMillis()).isEqualTo(8500);
        // a cost-0 peek reports without spending
        Step zero = d.hit(T0 + 2500, 0);
        assertThat(zero.allowed()).isTrue();
        assertThat(zero.remaining()).isEqualTo(1);
        assertThat(zero.resetMillis()).isEqualTo(8500);
    }

    @Test
    void aRefundGivesBackExactlyWhatWasSpent() {
        Driver d = new Driver(LimitSpec.gcra(7, FIVE_MINUTES));
        d.fill(T0, 7);
        assertThat(d.hit(T0).allowed()).isFalse();
        d.refund(T0, 2);
        d.fill(T0, 2);
        assertThat(d.hit(T0).allowed()).isFalse();

        d.refund(T0, 7);
        assertThat(d.idle(T0)).as("everything given back").isTrue();
        d.refund(T0, 100);
        assertThat(d.idle(T0)).as("refunding more than spent leaves a full bucket, not credit").isTrue();
        d.fill(T0, 7);
        assertThat(d.hit(T0).allowed()).isFalse();

        assertThat(LimitSpec.gcra(7, FIVE_MINUTES).limiter().refund(null, T0, 1)).isNull();
    }

    @Test
    void idlenessAgreesWithIdleAtAndTheResetOfTheLastStep() {
        Driver d = new Driver(LimitSpec.gcra(7, FIVE_MINUTES));
        assertThat(d.idle(T0)).isTrue();
        assertThat(IdleAt.millis(null)).isEqualTo(Long.MIN_VALUE);
        Step last = null;
        for (int i = 0; i < 3; i++) {
            last = d.hit(T0);
            d.assertIdleConsistent(T0);
        }
        assertThat(d.untilIdle(T0)).isEqualTo(last.resetMillis()).isEqualTo(3 * FIVE_MINUTES / 7 + 1);
        long idleAt = IdleAt.millis(d.state);
        assertThat(idleAt).isEqualTo(T0 + last.resetMillis());
        for (long t : new long[] {T0 + 1, idleAt - 1, idleAt, idleAt + 1, idleAt + 1_000_000}) {
            d.assertIdleConsistent(t);
        }
        assertThat(d.idle(idleAt - 1)).isFalse();
        assertThat(d.idle(idleAt)).isTrue();
        // idle means full: 7 pass again
        d.fill(idleAt, 7);
    }

    @Test
    void aClockGoingBackwardsNeitherCrashesNorAdmitsMore() {
        Driver d = new Driver(LimitSpec.gcra(7, FIVE_MINUTES));
        d.fill(T0, 7);
        Step back = d.hit(T0 - 10_000);
        assertThat(back.allowed()).isFalse();
        assertThat(back.retryAfterMillis()).as("the wait grows by the 10 s the clock lost").isEqualTo(LOGIN_T_CEIL + 10_000);
        assertThat(d.hit(T0 + LOGIN_T_CEIL - 1).allowed()).isFalse();
        assertThat(d.hit(T0 + LOGIN_T_CEIL).allowed()).isTrue();

        // a year backwards: still refused, a finite wait, nothing overflows
        Step far = d.hit(T0 - 365L * 24 * HOUR);
        assertThat(far.allowed()).isFalse();
        assertThat(far.retryAfterMillis()).isPositive();
        d.assertIdleConsistent(T0 - 365L * 24 * HOUR);

        // the time the clock lost counts as debt: after 3 hits (3T) and 60 s backwards the debt
        // is 3T + 60 s = 4.4T, so only 2 more fit under 7T, not 4
        Driver partial = new Driver(LimitSpec.gcra(7, FIVE_MINUTES));
        partial.fill(T0, 3);
        partial.fill(T0 - 60_000, 2);
        assertThat(partial.hit(T0 - 60_000).allowed()).isFalse();
    }

    @Test
    void admissionsInAnyWindowNeverExceedBurstPlusTheRate() {
        // the GCRA bound: from a full bucket, admissions in [a, b] <= burst + (b - a) * max / per
        Driver d = new Driver(LimitSpec.gcra(7, FIVE_MINUTES, 3));
        java.util.Random random = new java.util.Random(7);
        long t = T0;
        int admitted = 0;
        for (int i = 0; i < 20_000; i++) {
            t += random.nextInt(20_000);
            admitted += d.hit(t).allowed() ? 1 : 0;
            assertThat(admitted).isLessThanOrEqualTo(3 + (int) ((t - T0) * 7 / FIVE_MINUTES));
        }
    }
}
