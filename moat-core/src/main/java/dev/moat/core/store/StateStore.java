package dev.moat.core.store;

import dev.moat.core.ban.Ban;
import dev.moat.core.ban.BanSource;
import dev.moat.core.ban.LogEntry;
import dev.moat.core.ban.ScoreChange;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Durable state: bans, violation scores, the violation log, token revocations and link-spam
 * state. Every write is durable when the method returns (a store may batch concurrent writers
 * into one commit, but never acknowledges before the commit). Subjects are canonical strings
 * ({@code user:alice}, {@code ip:203.0.113.7}, {@code cidr:2001:db8::/64}).
 *
 * <p>Implementations run {@code StateStoreContract} from moat-core's test-jar.
 */
public interface StateStore extends AutoCloseable {

    // ---- bans -------------------------------------------------------------------------------

    /** Stores (or replaces) the ban of {@code ban.subject()} and counts one more ban for that subject. */
    void putBan(Ban ban);

    /** Lifts the ban of {@code subject}; false when there was none. */
    boolean removeBan(String subject);

    /**
     * Lifts the ban of {@code subject} only if it was created no later than
     * {@code createdUpToMillis}: the caller lifts the ban it knows (whose {@code createdAtMillis}
     * it passes, or a later instant), never a newer ban made since, wherever and by whatever
     * clock. False when nothing was lifted (no ban, or only a newer one). Atomic per subject.
     *
     * <p>This is what an unban replayed after an outage uses: it carries the identity of the ban
     * that was lifted, not the replaying node's clock. The default lifts any ban of the subject
     * (no guard); the stores Moat ships override it, and wrappers must delegate it.
     */
    default boolean removeBan(String subject, long createdUpToMillis) {
        return removeBan(subject);
    }

    /** Every ban still in force at {@code nowMillis} (loaded into memory at start). */
    List<Ban> activeBans(long nowMillis);

    /** Active bans, newest first, optionally only those whose subject contains {@code subjectFilter} and of {@code source}. */
    Page<Ban> listBans(String subjectFilter, BanSource source, long nowMillis, String cursor, int limit);

    /** How many bans {@code subject} has had, the current one included (drives escalation). */
    int banCount(String subject);

    // ---- scores -----------------------------------------------------------------------------

    /**
     * Adds {@code score} to the subject's score for {@code type}, decaying the stored value to
     * {@code nowMillis} first (half-life 0: no decay). Atomic per (subject, type).
     */
    ScoreChange addScore(String subject, String type, double score, long nowMillis, long halfLifeMillis);

    /** Scores by type, decayed to {@code nowMillis}; zero scores omitted. */
    Map<String, Double> scores(String subject, long nowMillis, long halfLifeMillis);

    /** Sets every score of the subject to zero. */
    void resetScores(String subject);

    // ---- the violation log ------------------------------------------------------------------

    /** Appends an entry and returns it with its sequence number. */
    LogEntry append(LogEntry entry);

    /**
     * Records one violation: adds {@code score} to the subject's score for {@code type} exactly
     * like {@link #addScore} (atomic per (subject, type)), then appends the log entry that
     * {@code entryFor} makes from the score change, so the entry can carry the new total and
     * whether a ban starts. Both are durable when the method returns.
     *
     * <p>The default does {@code addScore} then {@code append}: two durable writes, and a failure
     * between them leaves the score without its log line. A store may do both in one durable
     * write (SQLite: one commit), which halves the commit waits per violation.
     *
     * @param entryFor must be quick, must not call this store and must not return null; a store
     *                 may run it on its own writer thread inside the write
     */
    default RecordedViolation recordViolation(String subject, String type, double score, long nowMillis,
                                              long halfLifeMillis, Function<ScoreChange, LogEntry> entryFor) {
        Objects.requireNonNull(entryFor, "entryFor");
        ScoreChange change = addScore(subject, type, score, nowMillis, halfLifeMillis);
        LogEntry entry = Objects.requireNonNull(entryFor.apply(change), "entryFor returned null");
        return new RecordedViolation(change, append(entry));
    }

    /** A subject's entries, newest first. {@code cursor} comes from a previous page's {@code next}. */
    Page<LogEntry> log(String subject, String cursor, int limit);

    /** Subjects with the highest score for any type (top offenders), highest first. */
    List<Map.Entry<String, Double>> topScores(int limit, long nowMillis, long halfLifeMillis);

    /** Deletes log entries older than {@code beforeMillis}; returns how many. */
    int pruneLog(long beforeMillis);

    // ---- token revocation -------------------------------------------------------------------

    /** Revokes token id {@code jti} until {@code expiresAtMillis}. */
    void revokeToken(String jti, long expiresAtMillis);

    boolean isTokenRevoked(String jti, long nowMillis);

    /** Revokes every token of {@code user} issued before {@code beforeMillis} (the latest call wins if later). */
    void revokeUserTokens(String user, long beforeMillis);

    /** The instant before which the user's tokens are revoked, or {@link Long#MIN_VALUE}. */
    long userTokensRevokedBefore(String user);

    // ---- link-spam state --------------------------------------------------------------------

    /** The serialised link-spam state under {@code key}, or null when absent or expired. */
    String linkSpamState(String key, long nowMillis);

    /** Stores link-spam state until {@code expiresAtMillis}. */
    void putLinkSpamState(String key, String state, long expiresAtMillis);

    /** Forces pending writes to disk (a no-op for stores that write through). */
    default void flush() {
    }

    @Override
    default void close() {
    }
}
