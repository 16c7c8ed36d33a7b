package dev.moat.core.limit;

/*
 * How it works and why.
 *
 * Open WebUI's rolling window: time is cut into buckets of precisionMillis; the window is the
 * last n = ceil(per / precision) buckets, the current one included. A request is admitted when
 * the units counted in those buckets plus its cost stay within max. Compared with a fixed window
 * there is no burst of 2 * max across a window edge; compared with an exact log of timestamps the
 * memory is n counters, whatever the rate.
 *
 * State: {idle-at millis, index of the newest bucket, count[0..n-1]} as a ring (bucket b lives
 * at slot 2 + b mod n). The leading idle-at instant lets a store drop idle keys without knowing
 * the limit that owns them. The
 * oldest counted bucket b leaves the window at (b + n) * precision; a refused request can retry
 * at the first such instant after which enough units have left.
 */

/** Sliding window at bucket precision. */
final class SlidingWindow implements Limiter {
    private final LimitSpec spec;
    private final long precision;
    private final int buckets;

    SlidingWindow(LimitSpec spec) {
        this.spec = spec;
        this.precision = spec.precisionMillis();
        this.buckets = (int) ((spec.perMillis() + precision - 1) / precision);
    }

    /** Returns a copy of the state rolled forward to the bucket of {@code nowMillis}. */
    private long[] rolled(long[] state, long nowMillis) {
        long current = Math.floorDiv(nowMillis, precision);
        long[] s = new long[buckets + 2];
        s[1] = current;
        if (state == null) {
            return s;
        }
        long newest = state[1];
        if (current < newest) {
            // the clock went backwards: keep the counts, they are still the most recent we know
            System.arraycopy(state, 0, s, 0, buckets + 2);
            return s;
        }
        for (long b = Math.max(newest - buckets + 1, current - buckets + 1); b <= newest; b++) {
            int slot = 2 + (int) Math.floorMod(b, (long) buckets);
            s[slot] = state[slot];
        }
        return s;
    }

    private long total(long[] s) {
        long sum = 0;
        for (int i = 2; i < buckets + 2; i++) {
            sum += s[i];
        }
        return sum;
    }

    @Override
    public Step consume(long[] state, long nowMillis, long cost) {
        state = ownLayout(state);
        long[] s = rolled(state, nowMillis);
        long used = total(s);
        long newest = s[1];
        if (used + cost <= spec.max()) {
            s[2 + (int) Math.floorMod(newest, (long) buckets)] += cost;
            long untilEmpty = untilEmpty(s, nowMillis);
            s[0] = nowMillis + untilEmpty;
            return new Step(true, s, spec.max() - used - cost, 0, untilEmpty);
        }
        long retry = Step.NEVER;
        if (cost <= spec.max()) {
            long leaving = 0;
            for (long b = newest - buckets + 1; b <= newest; b++) {
                leaving += s[2 + (int) Math.floorMod(b, (long) buckets)];
                if (used - leaving + cost <= spec.max()) {
                    retry = Math.max(1, (b + buckets) * precision - nowMillis);
                    break;
                }
            }
        }
        long[] kept = state == null ? s : state;
        return new Step(false, kept, Math.max(0, spec.max() - used), retry, untilEmpty(s, nowMillis));
    }

    private long untilEmpty(long[] s, long nowMillis) {
        long newest = s[1];
        for (long b = newest; b > newest - buckets; b--) {
            if (s[2 + (int) Math.floorMod(b, (long) buckets)] != 0) {
                return Math.max(0, (b + buckets) * precision - nowMillis);
            }
        }
        return 0;
    }

    @Override
    public long[] refund(long[] state, long nowMillis, long cost) {
        state = ownLayout(state);
        if (state == null) {
            return null;
        }
        long[] s = rolled(state, nowMillis);
        long left = cost;
        for (long b = s[1]; b > s[1] - buckets && left > 0; b--) {
            int slot = 2 + (int) Math.floorMod(b, (long) buckets);
            long take = Math.min(left, s[slot]);
            s[slot] -= take;
            left -= take;
        }
        s[0] = nowMillis + untilEmpty(s, nowMillis);
        return s;
    }

    @Override
    public boolean isIdle(long[] state, long nowMillis) {
        state = ownLayout(state);
        return state == null || nowMillis >= state[0];
    }

    @Override
    public long millisUntilIdle(long[] state, long nowMillis) {
        state = ownLayout(state);
        return state == null ? 0 : Math.max(0, state[0] - nowMillis);
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
        return state == null || state.length != buckets + 2 ? null : state;
    }
}
