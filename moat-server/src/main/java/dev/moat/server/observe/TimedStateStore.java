package dev.moat.server.observe;

import dev.moat.core.ban.Ban;
import dev.moat.core.ban.BanSource;
import dev.moat.core.ban.LogEntry;
import dev.moat.core.ban.ScoreChange;
import dev.moat.core.store.Page;
import dev.moat.core.store.StateStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A {@link StateStore} that records {@code moat_store_latency_seconds{store="state",op}}: reads
 * ({@code op="read"}) and writes ({@code op="write"}) separately, since a write waits for a commit.
 */
public final class TimedStateStore implements StateStore {
    private final StateStore delegate;
    private final Timer reads;
    private final Timer writes;

    public TimedStateStore(StateStore delegate, MeterRegistry registry) {
        this.delegate = delegate;
        this.reads = StoreTimers.timer(registry, "state", "read");
        this.writes = StoreTimers.timer(registry, "state", "write");
    }

    private static <T> T time(Timer t, Supplier<T> call) {
        long t0 = System.nanoTime();
        try {
            return call.get();
        } finally {
            t.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
        }
    }

    private static void time(Timer t, Runnable call) {
        long t0 = System.nanoTime();
        try {
            call.run();
        } finally {
            t.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void putBan(Ban ban) {
        time(writes, () -> delegate.putBan(ban));
    }

    @Override
    public boolean removeBan(String subject) {
        return time(writes, () -> delegate.removeBan(subject));
    }

    @Override
    public boolean removeBan(String subject, long createdUpToMillis) {
        return time(writes, () -> delegate.removeBan(subject, createdUpToMillis));
    }

    @Override
    public List<Ban> activeBans(long nowMillis) {
        return time(reads, () -> delegate.activeBans(nowMillis));
    }

    @Override
    public Page<Ban> listBans(String subjectFilter, BanSource source, long nowMillis, String cursor, int limit) {
        return time(reads, () -> delegate.listBans(subjectFilter, source, nowMillis, cursor, limit));
    }

    @Override
    public int banCount(String subject) {
        return time(reads, () -> delegate.banCount(subject));
    }

    @Override
    public ScoreChange addScore(String subject, String type, double score, long nowMillis, long halfLifeMillis) {
        return time(writes, () -> delegate.addScore(subject, type, score, nowMillis, halfLifeMillis));
    }

    @Override
    public Map<String, Double> scores(String subject, long nowMillis, long halfLifeMillis) {
        return time(reads, () -> delegate.scores(subject, nowMillis, halfLifeMillis));
    }

    @Override
    public void resetScores(String subject) {
        time(writes, () -> delegate.resetScores(subject));
    }

    @Override
    public dev.moat.core.store.RecordedViolation recordViolation(String subject, String type, double score, long nowMillis,
            long halfLifeMillis, java.util.function.Function<ScoreChange, LogEntry> entryFor) {
        // delegated, not the default: the delegate may write both in one commit
        return time(writes, () -> delegate.recordViolation(subject, type, score, nowMillis, halfLifeMillis, entryFor));
    }

    @Override
    public LogEntry append(LogEntry entry) {
        return time(writes, () -> delegate.append(entry));
    }

    @Override
    public Page<LogEntry> log(String subject, String cursor, int limit) {
        return time(reads, () -> delegate.log(subject, cursor, limit));
    }

    @Override
    public List<Map.Entry<String, Double>> topScores(int limit, long nowMillis, long halfLifeMillis) {
        return time(reads, () -> delegate.topScores(limit, nowMillis, halfLifeMillis));
    }

    @Override
    public int pruneLog(long beforeMillis) {
        return time(writes, () -> delegate.pruneLog(beforeMillis));
    }

    @Override
    public void revokeToken(String jti, long expiresAtMillis) {
        time(writes, () -> delegate.revokeToken(jti, expiresAtMillis));
    }

    @Override
    public boolean isTokenRevoked(String jti, long nowMillis) {
        return time(reads, () -> delegate.isTokenRevoked(jti, nowMillis));
    }

    @Override
    public void revokeUserTokens(String user, long beforeMillis) {
        time(writes, () -> delegate.revokeUserTokens(user, beforeMillis));
    }

    @Override
    public long userTokensRevokedBefore(String user) {
        return time(reads, () -> delegate.userTokensRevokedBefore(user));
    }

    @Override
    public String linkSpamState(String key, long nowMillis) {
        return time(reads, () -> delegate.linkSpamState(key, nowMillis));
    }

    @Override
    public void putLinkSpamState(String key, String state, long expiresAtMillis) {
        time(writes, () -> delegate.putLinkSpamState(key, state, expiresAtMillis));
    }

    @Override
    public void flush() {
        delegate.flush();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
