package dev.moat.core.limit;

/**
 * Drives one pure limiter the way a store does: keeps the state of admitted steps, never of
 * refused ones, and checks on every step the invariants every algorithm owes a store.
 */
final class Driver {
    /** 2026-01-01T00:00:00Z: a round instant, aligned to every bucket width the tests use. */
    static final long T0 = 1_767_225_600_000L;
    static final long MIB = 1024 * 1024;

    final Limiter limiter;
    long[] state;

    Driver(LimitSpec spec) {
        this.limiter = spec.limiter();
    }

    Step hit(long nowMillis) {
        return hit(nowMillis, 1);
    }

    Step hit(long nowMillis, long cost) {
        long[] before = state == null ? null : state.clone();
        Step step = limiter.consume(state, nowMillis, cost);
        if (state != null && !java.util.Arrays.equals(before, state)) {
            throw new AssertionError("the limiter mutated the state it was given");
        }
        if (step.state() == null) {
            throw new AssertionError("a step must return a state");
        }
        if (step.allowed()) {
            if (step.retryAfterMillis() != 0) {
                throw new AssertionError("an admission must not ask for a retry: " + step.retryAfterMillis());
            }
            state = step.state();
        } else if (step.retryAfterMillis() != Step.NEVER && step.retryAfterMillis() < 1) {
            throw new AssertionError("a refusal must ask for a wait of at least 1 ms: " + step.retryAfterMillis());
        }
        if (step.remaining() < 0 || step.resetMillis() < 0) {
            throw new AssertionError("negative remaining or reset: " + step);
        }
        return step;
    }

    /** Admits {@code n} unit hits at {@code nowMillis}, failing if any is refused. */
    void fill(long nowMillis, int n) {
        for (int i = 0; i < n; i++) {
            if (!hit(nowMillis).allowed()) {
                throw new AssertionError("hit " + (i + 1) + " of " + n + " was refused");
            }
        }
    }

    /** What a hit would do, without keeping its state. */
    Step peek(long nowMillis, long cost) {
        return limiter.consume(state, nowMillis, cost);
    }

    void refund(long nowMillis, long cost) {
        state = limiter.refund(state, nowMillis, cost);
    }

    boolean idle(long nowMillis) {
        return limiter.isIdle(state, nowMillis);
    }

    long untilIdle(long nowMillis) {
        return limiter.millisUntilIdle(state, nowMillis);
    }

    /**
     * isIdle, millisUntilIdle and IdleAt.millis must tell one story: a store that only reads
     * IdleAt must drop a key exactly when the limiter calls it idle.
     */
    void assertIdleConsistent(long nowMillis) {
        long until = untilIdle(nowMillis);
        boolean idle = idle(nowMillis);
        long idleAt = IdleAt.millis(state);
        if (idle != (until == 0)) {
            throw new AssertionError("isIdle=" + idle + " but millisUntilIdle=" + until);
        }
        if (idle ? idleAt > nowMillis : idleAt != nowMillis + until) {
            throw new AssertionError("IdleAt.millis=" + idleAt + " but now=" + nowMillis + " and millisUntilIdle=" + until);
        }
    }
}
