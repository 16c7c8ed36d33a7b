package dev.moat.core.content;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The DM link-spam rule of BareRTC, hardened: the same link (or the same long text) sent by one
 * sender to too many different people is refused with a kick, and sending it again gets a ban.
 *
 * <h2>How it works and why</h2>
 *
 * <p>State is kept per (sender, key), the key being a normalised link from
 * {@link LinkExtractor} or a {@link TextFingerprint}; {@link #keys} gives the keys of a message.
 * {@link #step} is a pure function of the old state, the recipient, the time and the policy, so a
 * memory store can wrap it in a CAS loop and a Redis store can run it in a script, as the limit
 * algorithms are:
 * <ol>
 *   <li>A state whose {@link State#expiresAtMillis()} has come (the last send of that link was more
 *       than {@code windowMillis} ago) is treated as absent: the count starts over. The window is
 *       counted from the <em>last</em> send, so a slow drip of one DM every 50 minutes still
 *       accumulates under the default one-hour window.</li>
 *   <li>If the sender was already kicked for this key and the state is live, any send of it, to
 *       anyone, is {@link Outcome#BAN} and the state is deleted (the ban takes over).</li>
 *   <li>A recipient already counted adds nothing: {@link Outcome#ALLOW}, last-send time updated.</li>
 *   <li>A new recipient is added; when that makes more than {@code maxRecipients} distinct
 *       recipients, the outcome is {@link Outcome#KICK} (this message is refused) and the state
 *       remembers the kick. With the defaults the 6th distinct recipient kicks.</li>
 * </ol>
 * Every send, refused or not, updates the last-send time. Recipients are kept as 64-bit hashes of
 * the recipient id (compared exactly: the caller normalises ids), at most
 * {@code maxRecipients + 1} of them, so a state is bounded whatever the sender does.
 */
public final class LinkSpamLadder {

    private LinkSpamLadder() {
    }

    /** What to do with the message. */
    public enum Outcome {
        /** Deliver it. */
        ALLOW,
        /** Refuse it and disconnect the sender (verdict {@code kick}, reason {@code link_spam}). */
        KICK,
        /** Refuse it and ban the sender for {@code banMillis} (verdict {@code ban}). */
        BAN
    }

    /**
     * The result of one send.
     *
     * @param state   the state to store, or {@code null} to delete it (after a ban, or when the
     *                policy is disabled and there was none)
     * @param outcome what to do with the message
     */
    public record Step(State state, Outcome outcome) {
        /** Validates that an outcome is present. */
        public Step {
            Objects.requireNonNull(outcome, "outcome");
        }
    }

    /**
     * The keys under which a message is counted: its distinct normalised links, or when it has
     * none its text fingerprint, or none at all (short text without a link).
     */
    public static List<String> keys(CharSequence messageText) {
        List<String> links = LinkExtractor.extract(messageText);
        if (!links.isEmpty()) {
            return links;
        }
        return TextFingerprint.of(messageText).map(List::of).orElse(List.of());
    }

    /**
     * One send of one key to one DM recipient.
     *
     * @param stateOrNull the stored state of (sender, key), or null when there is none
     * @param recipient   the recipient's id (exact comparison)
     * @param nowMillis   wall-clock time in epoch milliseconds
     * @param policy      the {@code link_spam} configuration
     * @return the new state (null: delete) and the outcome
     */
    public static Step step(State stateOrNull, String recipient, long nowMillis, LinkSpamPolicy policy) {
        Objects.requireNonNull(recipient, "recipient");
        Objects.requireNonNull(policy, "policy");
        if (!policy.enabled()) {
            return new Step(stateOrNull, Outcome.ALLOW);
        }
        long expiresAt = saturatedAdd(nowMillis, policy.windowMillis() + 1);
        long hash = hashRecipient(recipient);
        State live = stateOrNull != null && stateOrNull.isLiveAt(nowMillis) ? stateOrNull : null;
        if (live == null) {
            // maxRecipients >= 1, so a first recipient never kicks
            return new Step(new State(nowMillis, expiresAt, false, new long[] {hash}), Outcome.ALLOW);
        }
        if (live.kicked) {
            return new Step(null, Outcome.BAN);
        }
        long last = Math.max(live.lastSendMillis, nowMillis);
        long expires = Math.max(live.expiresAtMillis, expiresAt);
        if (live.contains(hash)) {
            return new Step(new State(last, expires, false, live.recipients), Outcome.ALLOW);
        }
        if (live.recipients.length >= policy.maxRecipients()) {
            // This recipient makes maxRecipients + 1: keep it (the bound) and remember the kick.
            long[] full = Arrays.copyOf(live.recipients, Math.min(live.recipients.length + 1,
                    policy.maxRecipients() + 1));
            full[full.length - 1] = hash;
            return new Step(new State(last, expires, true, full), Outcome.KICK);
        }
        long[] more = Arrays.copyOf(live.recipients, live.recipients.length + 1);
        more[more.length - 1] = hash;
        return new Step(new State(last, expires, false, more), Outcome.ALLOW);
    }

    private static long saturatedAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }

    /** FNV-1a over the UTF-16 chars, then the MurmurHash3 finaliser to spread the bits. */
    static long hashRecipient(String recipient) {
        long h = 0xcbf29ce484222325L;
        for (int k = 0; k < recipient.length(); k++) {
            h ^= recipient.charAt(k);
            h *= 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /**
     * What is remembered about one (sender, key): immutable, bounded, and serialisable.
     *
     * <p>Serialised form ({@link #encode()} / {@link #decode(String)}), ASCII, colon-separated:
     * <pre>
     *   1:&lt;lastSendMillis&gt;:&lt;expiresAtMillis&gt;:&lt;kicked 0|1&gt;:&lt;hash&gt;,&lt;hash&gt;,...
     *   1:1700000000000:1700003600001:0:9ae16a3b2f90404f,0123456789abcdef
     * </pre>
     * {@code 1} is the format version; times are decimal epoch milliseconds; each recipient hash is
     * exactly 16 lower-case hex digits (a 64-bit hash of the recipient id), one at least and
     * {@value LinkSpamPolicy#MAX_RECIPIENTS_LIMIT} + 1 at most, so an encoded state is at most
     * about 17 KB (115 bytes with the defaults' 6 hashes). A store should let the entry expire at
     * {@link #expiresAtMillis()} (Redis {@code PEXPIREAT}); keeping it longer is harmless because
     * {@link LinkSpamLadder#step} ignores an expired state.
     */
    public static final class State {

        private static final int MAX_HASHES = LinkSpamPolicy.MAX_RECIPIENTS_LIMIT + 1;
        private static final int MAX_ENCODED_CHARS = 64 + MAX_HASHES * 17;

        private final long lastSendMillis;
        private final long expiresAtMillis;
        private final boolean kicked;
        private final long[] recipients;

        private State(long lastSendMillis, long expiresAtMillis, boolean kicked, long[] recipients) {
            this.lastSendMillis = lastSendMillis;
            this.expiresAtMillis = expiresAtMillis;
            this.kicked = kicked;
            this.recipients = recipients;
        }

        /** Epoch millis of the last send of this key by this sender. */
        public long lastSendMillis() {
            return lastSendMillis;
        }

        /**
         * The first epoch milli at which this state no longer counts: the last send plus the
         * window plus one (a send exactly {@code windowMillis} after the last one still counts).
         */
        public long expiresAtMillis() {
            return expiresAtMillis;
        }

        /** Whether the sender has been kicked for this key (the next send bans). */
        public boolean kicked() {
            return kicked;
        }

        /** How many distinct recipients are counted (at most {@code maxRecipients + 1}). */
        public int recipientCount() {
            return recipients.length;
        }

        /** Whether the state still counts at {@code nowMillis}. */
        public boolean isLiveAt(long nowMillis) {
            return nowMillis < expiresAtMillis;
        }

        private boolean contains(long hash) {
            for (long r : recipients) {
                if (r == hash) {
                    return true;
                }
            }
            return false;
        }

        /** The serialised form described in the class comment. */
        public String encode() {
            StringBuilder sb = new StringBuilder(40 + recipients.length * 17);
            sb.append("1:").append(lastSendMillis).append(':').append(expiresAtMillis).append(':')
                    .append(kicked ? '1' : '0').append(':');
            for (int k = 0; k < recipients.length; k++) {
                if (k > 0) {
                    sb.append(',');
                }
                String hex = Long.toHexString(recipients[k]);
                sb.append("0".repeat(16 - hex.length())).append(hex);
            }
            return sb.toString();
        }

        /**
         * Parses the form written by {@link #encode()}.
         *
         * @throws IllegalArgumentException when {@code encoded} is not a valid state (the message
         *                                  quotes at most its first 80 chars)
         */
        public static State decode(String encoded) {
            if (encoded == null || encoded.length() > MAX_ENCODED_CHARS) {
                throw invalid(encoded, "missing or too long");
            }
            String[] parts = encoded.split(":", -1);
            if (parts.length != 5 || !parts[0].equals("1")) {
                throw invalid(encoded, "expected 1:<last>:<expires>:<0|1>:<hashes>");
            }
            long last = parseMillis(parts[1], encoded);
            long expires = parseMillis(parts[2], encoded);
            if (!parts[3].equals("0") && !parts[3].equals("1")) {
                throw invalid(encoded, "kicked flag must be 0 or 1");
            }
            String[] hashes = parts[4].split(",", -1);
            if (hashes.length > MAX_HASHES) {
                throw invalid(encoded, "more than " + MAX_HASHES + " recipient hashes");
            }
            long[] recipients = new long[hashes.length];
            for (int k = 0; k < hashes.length; k++) {
                String h = hashes[k];
                if (h.length() != 16 || !isLowerHex(h)) {
                    throw invalid(encoded, "recipient hash must be 16 lower-case hex digits");
                }
                recipients[k] = Long.parseUnsignedLong(h, 16);
            }
            return new State(last, expires, parts[3].equals("1"), recipients);
        }

        private static boolean isLowerHex(String s) {
            for (int k = 0; k < s.length(); k++) {
                char c = s.charAt(k);
                if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                    return false;
                }
            }
            return true;
        }

        private static long parseMillis(String s, String encoded) {
            if (s.isEmpty() || s.length() > 19) {
                throw invalid(encoded, "bad time");
            }
            for (int k = 0; k < s.length(); k++) {
                if (s.charAt(k) < '0' || s.charAt(k) > '9') {
                    throw invalid(encoded, "bad time");
                }
            }
            try {
                return Long.parseLong(s);
            } catch (NumberFormatException e) {
                throw invalid(encoded, "bad time");
            }
        }

        private static IllegalArgumentException invalid(String encoded, String why) {
            String shown = encoded == null ? "null"
                    : '"' + (encoded.length() > 80 ? encoded.substring(0, 80) + "..." : encoded) + '"';
            return new IllegalArgumentException("invalid link-spam state " + shown + ": " + why);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof State s && s.lastSendMillis == lastSendMillis
                    && s.expiresAtMillis == expiresAtMillis && s.kicked == kicked
                    && Arrays.equals(s.recipients, recipients);
        }

        @Override
        public int hashCode() {
            return Objects.hash(lastSendMillis, expiresAtMillis, kicked, Arrays.hashCode(recipients));
        }

        @Override
        public String toString() {
            return "LinkSpamLadder.State[" + encode() + "]";
        }
    }
}
