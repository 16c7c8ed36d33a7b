package dev.moat.server.http;

import dev.moat.core.ban.Ban;
import dev.moat.core.ban.BanSource;
import dev.moat.core.ban.LogEntry;
import dev.moat.core.ban.ScoreChange;
import dev.moat.core.store.Page;
import dev.moat.core.store.StateStore;

import java.util.List;
import java.util.Map;

/**
 * The durable store as decisions see it: any call from an event-loop thread throws
 * {@link Offload.OnWorker} before reaching the store, so {@link Offload#decide} retries that
 * decision on a worker. Calls from workers (and any other thread) pass straight through.
 */
public final class LoopGuard implements StateStore {
    private final StateStore delegate;

    public LoopGuard(StateStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public void putBan(Ban ban) {
        Offload.offLoop();
        delegate.putBan(ban);
    }

    @Override
    public boolean removeBan(String subject) {
        Offload.offLoop();
        return delegate.removeBan(subject);
    }

    @Override
    public boolean removeBan(String subject, long createdUpToMillis) {
        Offload.offLoop();
        return delegate.removeBan(subject, createdUpToMillis);
    }

    @Override
    public List<Ban> activeBans(long nowMillis) {
        Offload.offLoop();
        return delegate.activeBans(nowMillis);
    }

    @Override
    public Page<Ban> listBans(String subjectFilter, BanSource source, long nowMillis, String cursor, int limit) {
        Offload.offLoop();
        return delegate.listBans(subjectFilter, source, nowMillis, cursor, limit);
    }

    @Override
    public int banCount(String subject) {
        Offload.offLoop();
        return delegate.banCount(subject);
    }

    @Override
    public ScoreChange addScore(String subject, String type, double score, long nowMillis, long halfLifeMillis) {
        Offload.offLoop();
        return delegate.addScore(subject, type, score, nowMillis, halfLifeMillis);
    }

    @Override
    public Map<String, Double> scores(String subject, long nowMillis, long halfLifeMillis) {
        Offload.offLoop();
        return delegate.scores(subject, nowMillis, halfLifeMillis);
    }

    @Override
    public void resetScores(String subject) {
        Offload.offLoop();
        delegate.resetScores(subject);
    }

    @Override
    public dev.moat.core.store.RecordedViolation recordViolation(String subject, String type, double score, long nowMillis,
            long halfLifeMillis, java.util.function.Function<ScoreChange, LogEntry> entryFor) {
        // delegated, not the default: the delegate may write both in one commit
        Offload.offLoop();
        return delegate.recordViolation(subject, type, score, nowMillis, halfLifeMillis, entryFor);
    }

    @Override
    public LogEntry append(LogEntry entry) {
        Offload.offLoop();
        return delegate.append(entry);
    }

    @Override
    public Page<LogEntry> log(String subject, String cursor, int limit) {
        Offload.offLoop();
        return delegate.log(subject, cursor, limit);
    }

    @Override
    public List<Map.Entry<String, Double>> topScores(int limit, long nowMillis, long halfLifeMillis) {
        Offload.offLoop();
        return delegate.topScores(limit, nowMillis, halfLifeMillis);
    }

    @Override
    public int pruneLog(long beforeMillis) {
        Offload.offLoop();
        return delegate.pruneLog(beforeMillis);
    }

    @Override
    public void revokeToken(String jti, long expiresAtMillis) {
        Offload.offLoop();
        delegate.revokeToken(jti, expiresAtMillis);
    }

    @Override
    public boolean isTokenRevoked(String jti, long nowMillis) {
        Offload.offLoop();
        return delegate.isTokenRevoked(jti, nowMillis);
    }

    @Override
    public void revokeUserTokens(String user, long beforeMillis) {
        Offload.offLoop();
        delegate.revokeUserTokens(user, beforeMillis);
    }

    @Override
    public long userTokensRevokedBefore(String user) {
        Offload.offLoop();
        return delegate.userTokensRevokedBefore(user);
    }

    @Override
    public String linkSpamState(String key, long nowMillis) {
        Offload.offLoop();
        return delegate.linkSpamState(key, nowMillis);
    }

    @Override
    public void putLinkSpamState(String key, String state, long expiresAtMillis) {
        Offload.offLoop();
        delegate.putLinkSpamState(key, state, expiresAtMillis);
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
