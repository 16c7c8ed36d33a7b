package dev.moat.core.limit;

import java.util.Random;

/**
 * Request timelines for differential tests: whole-millisecond instants with gaps drawn from a
 * mix that visits every regime of a limit (bursts in one millisecond, gaps around the emission
 * interval, gaps shorter than it, long idle spells), from a seeded {@link Random}.
 */
final class Timelines {
    private Timelines() {
    }

    /**
     * @param intervalMillis the limit's emission interval (per / max), roughly
     * @param perMillis      the limit's window
     */
    static long[] generate(Random random, int length, double intervalMillis, long perMillis) {
        long[] times = new long[length];
        long t = Driver.T0 + random.nextInt(1_000_000);
        long interval = Math.max(1, Math.round(intervalMillis));
        for (int i = 0; i < length; i++) {
            int regime = random.nextInt(100);
            long gap;
            if (regime < 35) {
                gap = 0;                                              // same millisecond
            } else if (regime < 60) {
                gap = 1 + random.nextInt((int) Math.min(Integer.MAX_VALUE - 1, interval / 4 + 1)); // faster than the rate
            } else if (regime < 85) {
                gap = interval - 2 + random.nextInt(5);               // right around one interval
            } else if (regime < 97) {
                gap = 1 + (long) (random.nextDouble() * 3 * interval); // a little slower
            } else {
                gap = perMillis + (long) (random.nextDouble() * 2 * perMillis); // idle
            }
            t += Math.max(0, gap);
            times[i] = t;
        }
        return times;
    }
}
