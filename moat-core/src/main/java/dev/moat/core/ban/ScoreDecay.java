package dev.moat.core.ban;

/**
 * Half-life decay of violation scores: a score halves every {@code halfLifeMillis} without new
 * violations. 0 disables decay (LibreChat's behaviour: a score only grows). Scores below 1e-6
 * count as zero so that stores can drop them.
 */
public final class ScoreDecay {
    private ScoreDecay() {
    }

    public static double decayed(double value, long atMillis, long nowMillis, long halfLifeMillis) {
        if (halfLifeMillis <= 0 || nowMillis <= atMillis || value == 0) {
            return value;
        }
        double v = value * Math.pow(0.5, (double) (nowMillis - atMillis) / halfLifeMillis);
        return v < 1e-6 ? 0 : v;
    }
}
