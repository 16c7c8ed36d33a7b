package dev.moat.core.limit;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The memory store keeps a GCRA state unboxed and calls {@link ScalarLimiter}; the Redis scripts
 * and every other caller use {@link Limiter#consume} on a {@code long[]}. Both must give the same
 * answers and states for the same inputs, for limits whose tick is coarser and finer than a
 * nanosecond, costs beyond the burst, and states before, at and after now.
 */
class GcraScalarMatchesArrayTest {
    private static final long T0 = 1_800_000_000_000L;
    private static final LimitSpec[] SPECS = {
            LimitSpec.gcra(7, 5 * 60_000), LimitSpec.gcra(1, 86_400_000), LimitSpec.gcra(10, 60_000, 3),
            LimitSpec.gcra(1_000_000_000L, 1000), LimitSpec.gcra(20L << 20, 3_600_000),
            LimitSpec.gcra(3_000_000_007L, 7, 5), LimitSpec.gcra(Long.MAX_VALUE / 2, 1), LimitSpec.gcra(4, 1000),
            LimitSpec.gcra(1_000_000, 1000, 10), LimitSpec.gcra(Long.MAX_VALUE / 4, 86_400_000L)};

    record Answer(boolean allowed, long remaining, long retryAfterMillis, long resetMillis) {
    }

    /** A slot holding {@code expected}; it accepts the compare-and-set only when {@code accepts}. */
    private static final class RecordingSlot implements ScalarLimiter.Slot {
        private final long holds;
        private final boolean accepts;
        long written = ScalarLimiter.REFUSED;

        RecordingSlot(long holds, boolean accepts) {
            this.holds = holds;
            this.accepts = accepts;
        }

        @Override
        public boolean compareAndSet(long expected, long next) {
            assertThat(expected).isEqualTo(holds);
            if (!accepts) {
                return false;
            }
            written = next;
            return true;
        }
    }

    @Test
    void spendAnswerRefundAndIdlenessMatchTheArrayForm() {
        SplittableRandom random = new SplittableRandom(42);
        for (LimitSpec spec : SPECS) {
            ScalarLimiter g = (ScalarLimiter) spec.limiter();
            long tat = ScalarLimiter.NONE;
            for (int i = 0; i < 20_000; i++) {
                long now = T0 + random.nextLong(0, 10 * spec.perMillis() + 10);
                long cost = random.nextInt(10) == 0 ? random.nextLong(0, Math.min(2 * spec.burst(), 1L << 40) + 2) : random.nextLong(0, 3);
                long[] array = tat == ScalarLimiter.NONE ? null : new long[] {tat};
                Step step = g.consume(array, now, cost);
                Answer answer = g.answer(tat, now, cost, Answer::new);
                assertThat(answer).as("%s at %d cost %d on %d", spec, now, cost, tat)
                        .isEqualTo(new Answer(step.allowed(), step.remaining(), step.retryAfterMillis(), step.resetMillis()));
                long next = g.spend(tat, now, cost);
                assertThat(next == ScalarLimiter.REFUSED).isEqualTo(!step.allowed());
                if (step.allowed()) {
                    assertThat(next).isEqualTo(step.state()[0]);
                }
                RecordingSlot slot = new RecordingSlot(tat, true);
                assertThat(g.spend(tat, now, cost, slot, Answer::new)).isEqualTo(answer);
                assertThat(slot.written).isEqualTo(step.allowed() ? next : ScalarLimiter.REFUSED);
                RecordingSlot moved = new RecordingSlot(tat, false); // another thread set the state first
                assertThat(g.spend(tat, now, cost, moved, Answer::new)).isEqualTo(step.allowed() ? null : answer);
                assertThat(g.isIdle(tat, now)).isEqualTo(g.isIdle(array, now));
                long refunded = g.refund(tat, now, cost);
                long[] refundedArray = g.refund(array, now, cost);
                assertThat(refunded).isEqualTo(refundedArray == null ? ScalarLimiter.NONE : refundedArray[0]);
                if (array != null) {
                    assertThat(ScalarLimiter.idleAtMillis(tat)).isEqualTo(IdleAt.millis(array));
                }
                if (next != ScalarLimiter.REFUSED) {
                    tat = next;
                } else if (random.nextInt(50) == 0) {
                    tat = ScalarLimiter.NONE;
                }
                if (random.nextInt(100) == 0) { // a state this limit did not write (another limit's, before a reload)
                    tat = now * 1_000_000L + random.nextLong(-1_000_000_000L, 1_000_000_000_000L);
                }
            }
        }
    }
}
