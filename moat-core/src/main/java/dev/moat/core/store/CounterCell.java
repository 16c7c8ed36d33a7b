package dev.moat.core.store;

import dev.moat.core.limit.IdleAt;
import dev.moat.core.limit.ScalarLimiter;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * One key's counter in {@link MemoryLimitStore}: the key's hash (inherited, final, so the cell is
 * its own map key) and the state, changed only by compare-and-set. A cell is retired (its state
 * set to a sentinel) before it leaves the map, and a retired cell never changes again.
 */
abstract class CounterCell extends KeyHash {
    /** {@link #idleAtMillis} of a retired cell. */
    static final long LEAVING = Long.MAX_VALUE;

    CounterCell(KeyHash key) {
        super(key);
    }

    /** The epoch millisecond at which the state is back to full, or {@link #LEAVING}. */
    abstract long idleAtMillis();

    /** Retires the cell if its state is back to full at {@code nowMillis}; true if this call retired it. */
    abstract boolean retireIfIdle(long nowMillis);

    /** Retires the cell whatever it holds; false if it was already retired. */
    abstract boolean retire();

    /** A GCRA counter: the theoretical arrival time, unboxed; an admitted spend allocates nothing. */
    static final class Tat extends CounterCell implements ScalarLimiter.Slot {
        /** Never a stored TAT: a spend's result is at least its instant, a refund to idle retires instead. */
        static final long RETIRED = Long.MIN_VALUE;
        private static final VarHandle TAT;

        static {
            try {
                TAT = MethodHandles.lookup().findVarHandle(Tat.class, "tat", long.class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        volatile long tat;

        Tat(KeyHash key, long tat) {
            super(key);
            this.tat = tat;
        }

        @Override
        public boolean compareAndSet(long expected, long next) {
            return TAT.compareAndSet(this, expected, next);
        }

        @Override
        long idleAtMillis() {
            long t = tat;
            return t == RETIRED ? LEAVING : ScalarLimiter.idleAtMillis(t);
        }

        @Override
        boolean retireIfIdle(long nowMillis) {
            long t = tat;
            return t != RETIRED && ScalarLimiter.idleAtMillis(t) <= nowMillis && compareAndSet(t, RETIRED);
        }

        @Override
        boolean retire() {
            while (true) {
                long t = tat;
                if (t == RETIRED) {
                    return false;
                }
                if (compareAndSet(t, RETIRED)) {
                    return true;
                }
            }
        }
    }

    /** Any other algorithm's counter: an immutable {@code long[]}, replaced whole. */
    static final class Array extends CounterCell {
        /** Compared by identity, never given to a limiter. */
        static final long[] RETIRED = new long[0];
        private static final VarHandle STATE;

        static {
            try {
                STATE = MethodHandles.lookup().findVarHandle(Array.class, "state", long[].class);
            } catch (ReflectiveOperationException e) {
                throw new ExceptionInInitializerError(e);
            }
        }

        volatile long[] state;

        Array(KeyHash key, long[] state) {
            super(key);
            this.state = state;
        }

        boolean compareAndSet(long[] expected, long[] next) {
            return STATE.compareAndSet(this, expected, next);
        }

        @Override
        long idleAtMillis() {
            long[] s = state;
            return s == RETIRED ? LEAVING : IdleAt.millis(s);
        }

        @Override
        boolean retireIfIdle(long nowMillis) {
            long[] s = state;
            return s != RETIRED && IdleAt.millis(s) <= nowMillis && compareAndSet(s, RETIRED);
        }

        @Override
        boolean retire() {
            while (true) {
                long[] s = state;
                if (s == RETIRED) {
                    return false;
                }
                if (compareAndSet(s, RETIRED)) {
                    return true;
                }
            }
        }
    }
}
