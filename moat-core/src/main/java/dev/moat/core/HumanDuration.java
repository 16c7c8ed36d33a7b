package dev.moat.core;

/**
 * A duration as the sentences Moat shows people put it: "42 seconds", "5 minutes",
 * "2 hours 3 minutes", "3 days", always rounded up (a wait of 1.2 s reads "2 seconds", so
 * whoever waits that long is through). The engine's messages and the gateway's own refusals
 * (connection rate, bans at the handshake) use this one wording.
 */
public final class HumanDuration {
    private HumanDuration() {
    }

    /** {@code millis} in words, at least "1 second". */
    public static String text(long millis) {
        long s = Math.max(1, (millis + 999) / 1000);
        if (s < 60) {
            return s + (s == 1 ? " second" : " seconds");
        }
        long m = (s + 59) / 60;
        if (m < 60) {
            return m + (m == 1 ? " minute" : " minutes");
        }
        long h = m / 60;
        long rm = m % 60;
        if (h < 48) {
            return h + (h == 1 ? " hour" : " hours") + (rm == 0 ? "" : " " + rm + (rm == 1 ? " minute" : " minutes"));
        }
        return ((h + 23) / 24) + " days";
    }
}
