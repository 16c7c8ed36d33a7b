package dev.moat.redis;

/*
 * How it works and why.
 *
 * Every key starts with the configured prefix and the layout version ("moat:v1:..."), so two
 * deployments can share a Redis, and a future layout (v2) can live beside this one while nodes
 * roll over. Every key that belongs to one subject carries the same Redis Cluster hash tag,
 * {<prefix>:v1:<subject>}, so all of a subject's counters, leases, ban, scores and log sit in one
 * hash slot: one script can touch all of them atomically, in one round trip, on one node.
 * Global budgets use the subject "*", so every global counter (and the node registry that slice
 * leasing reads) shares one slot too.
 *
 * Subjects come from users (user ids, email addresses), so '{' and '}' are percent-encoded (and
 * '%' itself): a subject can never end the hash tag early or open a second one. The full table is
 * in docs/redis.md.
 */

/** The Redis key layout, version 1. Immutable; one per key prefix. */
public final class KeyLayout {
    /** The layout version in every key; bump it when a stored format changes incompatibly. */
    public static final String VERSION = "v1";
    /** The subject of global budgets. */
    public static final String GLOBAL_SUBJECT = "*";

    private final String prefix;
    private final String base;

    public KeyLayout(String prefix) {
        if (prefix == null || prefix.isEmpty() || prefix.length() > 64) {
            throw new IllegalArgumentException("key_prefix must be 1 to 64 characters, was '" + prefix + "'");
        }
        for (int i = 0; i < prefix.length(); i++) {
            char c = prefix.charAt(i);
            if (c == '{' || c == '}' || c <= ' ' || c == 0x7f) {
                throw new IllegalArgumentException("key_prefix must not contain braces, spaces or control characters, was '"
                        + prefix + "'");
            }
        }
        this.prefix = prefix;
        this.base = prefix + ":" + VERSION + ":";
    }

    public String prefix() {
        return prefix;
    }

    /** The hash tag of a subject: every key of the subject contains it. */
    public String tag(String subject) {
        return "{" + base + encode(subject) + "}";
    }

    // ---- limits -------------------------------------------------------------------------------

    /** The subject part of a LimitCall key "limitId|subject" (the whole key when it has no '|'). */
    public static String subjectOfLimitKey(String key) {
        int bar = key.indexOf('|');
        return bar < 0 ? key : key.substring(bar + 1);
    }

    static String limitIdOf(String key) {
        int bar = key.indexOf('|');
        return bar < 0 ? "" : key.substring(0, bar);
    }

    /** A counter: {@code {p:v1:<subject>}:l:<alg>:<limitId>} (alg g, f or s). */
    public String limit(String limitKey, char algorithm) {
        return tag(subjectOfLimitKey(limitKey)) + ":l:" + algorithm + ":" + encode(limitIdOf(limitKey));
    }

    /** A concurrency-lease set: {@code {p:v1:<subject>}:c:<limitId>}. */
    public String lease(String leaseKey) {
        return tag(subjectOfLimitKey(leaseKey)) + ":c:" + encode(limitIdOf(leaseKey));
    }

    /** The registry of live nodes that slice leasing divides global budgets by (global slot). */
    public String nodes() {
        return tag(GLOBAL_SUBJECT) + ":nodes";
    }

    // ---- state --------------------------------------------------------------------------------

    public String ban(String subject) {
        return tag(subject) + ":ban";
    }

    public String banCount(String subject) {
        return tag(subject) + ":bans";
    }

    public String scores(String subject) {
        return tag(subject) + ":score";
    }

    public String log(String subject) {
        return tag(subject) + ":log";
    }

    /** Sorted set of subjects with a ban, by creation time. */
    public String banIndex() {
        return base + "bans";
    }

    /** Sorted set of subjects by their highest score (decay-normalised), for top offenders. */
    public String topIndex() {
        return base + "top";
    }

    /** Sorted set of subjects with a log, by their last entry's time, for pruning. */
    public String logIndex() {
        return base + "logs";
    }

    /** The counter that numbers log entries across all subjects. */
    public String logSequence() {
        return base + "logseq";
    }

    public String revokedToken(String jti) {
        return base + "jti:" + encode(jti);
    }

    public String userRevocation(String user) {
        return base + "utok:" + encode(user);
    }

    /** Link-spam keys are "sender|link": they live under the sender's tag. */
    public String linkSpam(String key) {
        int bar = key.indexOf('|');
        if (bar < 0) {
            return base + "ls:" + encode(key);
        }
        return tag(key.substring(0, bar)) + ":ls:" + encode(key.substring(bar + 1));
    }

    /** The pub/sub channel of ban events. */
    public String banChannel() {
        return base + "ban-events";
    }

    static String encode(String s) {
        if (s.indexOf('{') < 0 && s.indexOf('}') < 0 && s.indexOf('%') < 0) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length() + 8);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '%' -> sb.append("%25");
                case '{' -> sb.append("%7B");
                case '}' -> sb.append("%7D");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
