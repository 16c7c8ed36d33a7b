package dev.moat.core.policy;

/**
 * The {@code bans} section.
 *
 * @param enabled        false: record violations, never ban (LibreChat's BAN_VIOLATIONS=false)
 * @param interval       a ban each time a score reaches or crosses a multiple of this
 * @param durationMillis the first ban's length; 0 is a soft ban (verdict ban, nothing stored)
 * @param banIp          ban the offender's IP too
 * @param ipv6Prefix     an IPv6 ban covers this prefix (128: the exact address)
 * @param factor         escalation: the n-th ban lasts duration * factor^(n-1)
 * @param maxMillis      cap on an escalated ban
 */
public record BanPolicy(boolean enabled, long interval, long durationMillis, boolean banIp, int ipv6Prefix, double factor,
                        long maxMillis) {

    public static final BanPolicy DEFAULTS =
            new BanPolicy(true, 20, 2L * 3600 * 1000, true, 64, 1, 30L * 24 * 3600 * 1000);

    public BanPolicy {
        if (interval < 1) {
            throw new IllegalArgumentException("bans.interval must be at least 1, was " + interval);
        }
        if (durationMillis < 0) {
            throw new IllegalArgumentException("bans.duration must not be negative, was " + durationMillis + "ms");
        }
        if (ipv6Prefix < 1 || ipv6Prefix > 128) {
            throw new IllegalArgumentException("bans.ipv6_prefix must be 1 to 128, was " + ipv6Prefix);
        }
        if (!(factor >= 1) || Double.isInfinite(factor)) {
            throw new IllegalArgumentException("bans.escalation.factor must be 1 or more, was " + factor);
        }
        if (maxMillis < durationMillis) {
            throw new IllegalArgumentException("bans.escalation.max (" + maxMillis
                    + "ms) must not be shorter than bans.duration (" + durationMillis + "ms)");
        }
    }

    /** Length of the n-th ban (n >= 1): duration * factor^(n-1), capped at max. */
    public long durationMillisFor(int n) {
        if (durationMillis == 0) {
            return 0;
        }
        double d = durationMillis * Math.pow(factor, Math.max(0, n - 1));
        return d >= maxMillis ? maxMillis : (long) d;
    }

    /** LibreChat's trigger: floor(previous / interval) < floor(current / interval). */
    public boolean crossed(double previous, double current) {
        return Math.floor(previous / interval) < Math.floor(current / interval);
    }
}
