package dev.moat.core.content;

import java.time.Duration;
import java.util.Objects;

/**
 * The {@code link_spam} section of the configuration: the same link (or long text) sent by DM to
 * more than {@code maxRecipients} distinct people within {@code windowMillis} of its previous
 * send gets the sender kicked, and the next send after the kick gets them banned for
 * {@code banMillis}.
 *
 * @param enabled       {@code link_spam.enabled}; when false the ladder allows everything and
 *                      keeps no state
 * @param maxRecipients {@code link_spam.max_recipients}, 1 to {@value #MAX_RECIPIENTS_LIMIT}; the
 *                      ladder stores at most this many + 1 recipient hashes per link
 * @param windowMillis  {@code link_spam.window} in milliseconds, counted from the last send of
 *                      that link, 1 ms to 30 days
 * @param banMillis     {@code link_spam.ban} in milliseconds, 1 ms to 3650 days
 */
public record LinkSpamPolicy(boolean enabled, int maxRecipients, long windowMillis, long banMillis) {

    /** The largest {@code max_recipients} accepted (it bounds the state kept per link). */
    public static final int MAX_RECIPIENTS_LIMIT = 1000;

    private static final long MAX_WINDOW_MILLIS = 30L * 24 * 3_600_000;
    private static final long MAX_BAN_MILLIS = 3650L * 24 * 3_600_000;

    /** The defaults of config.md: enabled, 5 recipients, a 1 h window, a 24 h ban. */
    public static final LinkSpamPolicy DEFAULTS = new LinkSpamPolicy(true, 5, 3_600_000L, 86_400_000L);

    /** The policy with durations as the config gives them (the server's YAML mapping uses this). */
    public static LinkSpamPolicy of(boolean enabled, int maxRecipients, Duration window, Duration ban) {
        Objects.requireNonNull(window, "link_spam.window");
        Objects.requireNonNull(ban, "link_spam.ban");
        return new LinkSpamPolicy(enabled, maxRecipients, saturatedMillis(window), saturatedMillis(ban));
    }

    private static long saturatedMillis(Duration d) {
        try {
            return d.toMillis();
        } catch (ArithmeticException overflow) {
            return d.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    /** Validates every field; the messages name the config key and quote the bad value. */
    public LinkSpamPolicy {
        if (maxRecipients < 1 || maxRecipients > MAX_RECIPIENTS_LIMIT) {
            throw new IllegalArgumentException("link_spam.max_recipients must be between 1 and "
                    + MAX_RECIPIENTS_LIMIT + ", got " + maxRecipients);
        }
        if (windowMillis < 1 || windowMillis > MAX_WINDOW_MILLIS) {
            throw new IllegalArgumentException("link_spam.window must be between 1ms and 30d, got "
                    + windowMillis + "ms");
        }
        if (banMillis < 1 || banMillis > MAX_BAN_MILLIS) {
            throw new IllegalArgumentException("link_spam.ban must be between 1ms and 3650d, got "
                    + banMillis + "ms");
        }
    }
}
