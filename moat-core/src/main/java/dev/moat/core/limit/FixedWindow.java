package dev.moat.core.limit;

/*
 * How it works and why.
 *
 * A fixed window, as express-rate-limit's MemoryStore keeps it for LibreChat: the window opens
 * at a key's first hit and closes perMillis later; at most max units are admitted inside it.
 * State is {windowEndMillis, used}: the first long of every algorithm's state is the instant
 * (millis, or nanos for GCRA's single long) at which the key is back to full, so a store can
 * judge idleness without knowing which limit owns a key (a window with nothing used stores
 * "now" there, so it reads as idle). A refused request can retry exactly when the window
 * closes. A clock that goes backwards keeps the open window and its count: opening a fresh one
 * would admit max more within moments of real time. One deliberate difference: express-rate-limit increments its counter on refused hits
 * too; Moat does not count what it refused. Admissions are identical either way, because a
 * refused hit can only happen once the window is full, and the window's end does not move.
 */

/** Fixed window opened by the first hit: two longs of state, window end and units used. */
final class FixedWindow implements Limiter {
    private final LimitSpec spec;

    FixedWindow(LimitSpec spec) {
        this.spec = spec;
    }

    @Override
    public Step consume(long[] state, long nowMillis, long cost) {
        state = ownLayout(state);
        long end;
        long used;
        if (isIdle(state, nowMillis)) {
            end = nowMillis + spec.perMillis();
            used = 0;
        } else {
            end = state[0];
            used = state[1];
        }
        if (used + cost <= spec.max()) {
            long[] next = used + cost == 0 ? new long[] {nowMillis, 0} : new long[] {end, used + cost};
            return new Step(true, next, spec.max() - used - cost, 0, used + cost == 0 ? 0 : end - nowMillis);
        }
        long retry = cost > spec.max() ? Step.NEVER : end - nowMillis;
        long[] kept = state == null ? new long[] {nowMillis, 0} : state;
        return new Step(false, kept, spec.max() - used, retry, used == 0 ? 0 : end - nowMillis);
    }

    @Override
    public long[] refund(long[] state, long nowMillis, long cost) {
        state = ownLayout(state);
        if (state == null || nowMillis >= state[0]) {
            return state;
        }
        long used = Math.max(0, state[1] - cost);
        // nothing used: store "idle now", so that IdleAt agrees with isIdle
        return used == 0 ? new long[] {nowMillis, 0} : new long[] {state[0], used};
    }

    @Override
    public boolean isIdle(long[] state, long nowMillis) {
        state = ownLayout(state);
        return state == null || state[1] == 0 || nowMillis >= state[0];
    }

    @Override
    public long millisUntilIdle(long[] state, long nowMillis) {
        state = ownLayout(state);
        return isIdle(state, nowMillis) ? 0 : state[0] - nowMillis;
    }

    @Override
    public LimitSpec spec() {
        return spec;
    }

    /**
     * A state of another layout (the limit's algorithm or precision changed on a reload while
     * its id stayed) is treated as fresh rather than misread.
     */
    private long[] ownLayout(long[] state) {
        return state == null || state.length != 2 ? null : state;
    }
}
