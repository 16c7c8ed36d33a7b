package dev.moat.redis;

import dev.moat.core.ban.Ban;
import dev.moat.core.ban.BanSource;
import dev.moat.core.ban.LogEntry;
import dev.moat.core.ban.ScoreChange;
import dev.moat.core.store.MemoryStateStore;
import dev.moat.core.store.Page;
import dev.moat.core.store.RecordedViolation;
import dev.moat.core.store.StateStore;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;

/*
 * How it works and why.
 *
 * The state store of a Redis deployment. While Redis is up every call goes to Redis, bounded by
 * the timeout. When Redis fails, the call, and every call until the prober sees Redis again, is
 * served by this node's MemoryStateStore; every write the node acknowledges meanwhile (bans,
 * unbans, scores, log entries, token revocations) is also put in the replay queue, on disk when a
 * data directory is set. When Redis answers, requests use it again at once and the prober replays
 * the queue behind them, so a node under attack is never stuck behind its own backlog. Replayed
 * writes are made safe to land late: scores add up in any order, revocations keep the latest
 * instant, a replayed ban never replaces a ban created after it, and a replayed unban only lifts a
 * ban created before it. Until the queue is empty, ban reads merge it in. The memory store is
 * then replaced by an empty one: it only ever stands in for one outage.
 *
 * The same happens whatever on_failure says: allow and deny are about limits; bans and
 * violations are always recorded. While down, reads see this node's writes plus the bans Redis
 * last listed (so reloading bans during an outage does not forget the fleet's bans).
 * Link-spam state is kept locally only: it lasts minutes and a replayed old state could
 * overwrite a newer one.
 */

/** Redis state with a local stand-in and a replay queue for outages. */
public final class FailoverStateStore implements StateStore {
    /** Writes kept for replay at most (beyond: writes are refused while Redis is down). */
    public static final int DEFAULT_REPLAY_CAPACITY = 100_000;

    private final StateStore redis;
    private final RedisHealth health;
    private final ReplayQueue replay;
    private volatile MemoryStateStore local = new MemoryStateStore();
    private volatile List<Ban> lastBans = List.of();

    public FailoverStateStore(StateStore redis, RedisHealth health, Path dataDirOrNull) {
        this(redis, health, dataDirOrNull, DEFAULT_REPLAY_CAPACITY);
    }

    public FailoverStateStore(StateStore redis, RedisHealth health, Path dataDirOrNull, int replayCapacity) {
        this.redis = redis;
        this.health = health;
        this.replay = new ReplayQueue(dataDirOrNull, replayCapacity);
        for (ReplayQueue.Op op : replay.snapshot()) {
            op.apply(local); // writes from before a crash are visible locally until replayed
        }
        health.whileUp(this::replayNow);
    }

    /** Replays queued writes; true when nothing is left. Run by the prober. */
    boolean replayNow() {
        if (replay.isEmpty()) {
            return true;
        }
        boolean done = replay.drain(redis);
        if (done) {
            local = new MemoryStateStore();
        }
        return done;
    }

    /** Writes waiting to be replayed. */
    public int pendingReplay() {
        return replay.size();
    }

    public boolean redisUp() {
        return health.isUp();
    }

    public boolean fallbackActive() {
        return !health.isUp() || !replay.isEmpty();
    }

    public String health() {
        int pending = replay.size();
        return health.describe() + (pending == 0 ? "" : "; " + pending + " writes waiting to be replayed");
    }

    private boolean useRedis() {
        return health.isUp();
    }

    /** A write: to Redis when usable, else locally and into the replay queue. */
    private <T> T write(Supplier<T> toRedis, ReplayQueue.Op op, Supplier<T> toLocal) {
        if (useRedis()) {
            try {
                return toRedis.get();
            } catch (IllegalArgumentException misuse) {
                throw misuse;
            } catch (RuntimeException e) {
                health.markDown(e);
            }
        }
        synchronized (this) {
            replay.add(op);
            return toLocal.get();
        }
    }

    /** A read: from Redis when up, else from the local stand-in. */
    private <T> T read(Supplier<T> fromRedis, Supplier<T> fromLocal) {
        if (health.isUp()) {
            try {
                return fromRedis.get();
            } catch (IllegalArgumentException misuse) {
                throw misuse;
            } catch (RuntimeException e) {
                health.markDown(e);
            }
        }
        return fromLocal.get();
    }

    // ---- bans ---------------------------------------------------------------------------------

    @Override
    public void putBan(Ban ban) {
        write(() -> {
            redis.putBan(ban);
            return null;
        }, new ReplayQueue.PutBan(ban), () -> {
            local.putBan(ban);
            return null;
        });
    }

    @Override
    public boolean removeBan(String subject) {
        return write(() -> redis.removeBan(subject), new ReplayQueue.RemoveBan(subject, knownBanCreatedUpTo(subject)),
                () -> local.removeBan(subject) | knownRemotely(subject));
    }

    @Override
    public boolean removeBan(String subject, long createdUpToMillis) {
        return write(() -> redis.removeBan(subject, createdUpToMillis), new ReplayQueue.RemoveBan(subject, createdUpToMillis),
                () -> local.removeBan(subject, createdUpToMillis) | knownRemotely(subject));
    }

    private boolean knownRemotely(String subject) {
        return lastBans.stream().anyMatch(b -> b.subject().equals(subject));
    }

    /**
     * The guard of an unguarded unban queued during an outage: the ban this node knows (made here
     * or listed by Redis) and anything older, but not a ban made after the unban elsewhere.
     */
    private long knownBanCreatedUpTo(String subject) {
        long upTo = System.currentTimeMillis();
        for (Ban b : local.activeBans(Long.MIN_VALUE)) { // every ban it holds, whatever the clock
            if (b.subject().equals(subject)) {
                upTo = Math.max(upTo, b.createdAtMillis());
            }
        }
        for (Ban b : lastBans) {
            if (b.subject().equals(subject)) {
                upTo = Math.max(upTo, b.createdAtMillis());
            }
        }
        return upTo;
    }

    @Override
    public List<Ban> activeBans(long nowMillis) {
        if (health.isUp()) {
            try {
                return fromRedis(nowMillis);
            } catch (RuntimeException e) {
                health.markDown(e);
            }
        }
        return merged(lastBans, local.activeBans(nowMillis), nowMillis);
    }

    /**
     * The bans in force according to Redis (with this node's writes not yet replayed over them),
     * or a {@link RedisUnavailableException}: never the outage stand-in. A ban book reloaded
     * from the stand-in would forget the bans this node learnt since Redis last listed them (its
     * own, and the fleet's over pub/sub), so a resynchronisation that cannot reach Redis must
     * leave the book as it is.
     */
    public List<Ban> activeBansFromRedis(long nowMillis) {
        if (!health.isUp()) {
            throw new RedisUnavailableException("redis is down: the ban book is kept as it is");
        }
        try {
            return fromRedis(nowMillis);
        } catch (IllegalArgumentException misuse) {
            throw misuse;
        } catch (RuntimeException e) {
            health.markDown(e);
            throw e instanceof RedisUnavailableException r ? r
                    : new RedisUnavailableException("redis failed while listing bans: " + e.getMessage(), e);
        }
    }

    private List<Ban> fromRedis(long nowMillis) {
        List<Ban> bans = redis.activeBans(nowMillis);
        lastBans = bans;
        if (replay.isEmpty()) {
            return bans;
        }
        return merged(bans, local.activeBans(nowMillis), nowMillis);
    }

    /** Redis's bans with this node's outage-time bans over them (unbans made here taken out). */
    private List<Ban> merged(List<Ban> remote, List<Ban> mine, long nowMillis) {
        Map<String, Ban> bySubject = new LinkedHashMap<>();
        for (Ban b : remote) {
            if (b.activeAt(nowMillis)) {
                bySubject.put(b.subject(), b);
            }
        }
        for (ReplayQueue.Op op : replay.snapshot()) {
            if (op instanceof ReplayQueue.RemoveBan r) {
                Ban b = bySubject.get(r.subject());
                if (b != null && b.createdAtMillis() <= r.createdUpToMillis()) {
                    bySubject.remove(r.subject());
                }
            } else if (op instanceof ReplayQueue.PutBan p && p.ban().activeAt(nowMillis)) {
                bySubject.put(p.ban().subject(), p.ban());
            }
        }
        for (Ban b : mine) {
            bySubject.putIfAbsent(b.subject(), b);
        }
        return new ArrayList<>(bySubject.values());
    }

    @Override
    public Page<Ban> listBans(String subjectFilter, BanSource source, long nowMillis, String cursor, int limit) {
        return read(() -> redis.listBans(subjectFilter, source, nowMillis, cursor, limit),
                () -> local.listBans(subjectFilter, source, nowMillis, cursor, limit));
    }

    @Override
    public int banCount(String subject) {
        return read(() -> redis.banCount(subject), () -> local.banCount(subject));
    }

    // ---- scores -------------------------------------------------------------------------------

    @Override
    public ScoreChange addScore(String subject, String type, double score, long nowMillis, long halfLifeMillis) {
        return write(() -> redis.addScore(subject, type, score, nowMillis, halfLifeMillis),
                new ReplayQueue.AddScore(subject, type, score, nowMillis, halfLifeMillis),
                () -> local.addScore(subject, type, score, nowMillis, halfLifeMillis));
    }

    @Override
    public Map<String, Double> scores(String subject, long nowMillis, long halfLifeMillis) {
        return read(() -> redis.scores(subject, nowMillis, halfLifeMillis), () -> local.scores(subject, nowMillis, halfLifeMillis));
    }

    @Override
    public void resetScores(String subject) {
        write(() -> {
            redis.resetScores(subject);
            return null;
        }, new ReplayQueue.ResetScores(subject), () -> {
            local.resetScores(subject);
            return null;
        });
    }

    // ---- the violation log --------------------------------------------------------------------

    @Override
    public LogEntry append(LogEntry entry) {
        return write(() -> redis.append(entry), new ReplayQueue.Append(entry), () -> local.append(entry));
    }

    /**
     * One violation: in Redis when it is up (its score and log line), else in the stand-in with
     * both queued for replay together. Each part lands in Redis once: when Redis fails after it
     * took the score (the entry was made from Redis's answer), only the log line is queued.
     */
    @Override
    public RecordedViolation recordViolation(String subject, String type, double score, long nowMillis,
                                             long halfLifeMillis, Function<ScoreChange, LogEntry> entryFor) {
        Objects.requireNonNull(entryFor, "entryFor");
        if (useRedis()) {
            ScoreChange[] taken = new ScoreChange[1]; // set once Redis has taken the score
            LogEntry[] scored = new LogEntry[1];
            try {
                return redis.recordViolation(subject, type, score, nowMillis, halfLifeMillis, change -> {
                    taken[0] = change;
                    return scored[0] = entryFor.apply(change);
                });
            } catch (IllegalArgumentException | NullPointerException misuse) {
                throw misuse;
            } catch (RuntimeException e) {
                health.markDown(e);
            }
            if (scored[0] != null) {
                return new RecordedViolation(taken[0], append(scored[0]));
            }
        }
        synchronized (this) {
            replay.requireRoom(2);
            LogEntry[] made = new LogEntry[1];
            RecordedViolation here = local.recordViolation(subject, type, score, nowMillis, halfLifeMillis,
                    change -> made[0] = entryFor.apply(change));
            replay.addAll(List.of(new ReplayQueue.AddScore(subject, type, score, nowMillis, halfLifeMillis),
                    new ReplayQueue.Append(made[0])));
            return here;
        }
    }

    @Override
    public Page<LogEntry> log(String subject, String cursor, int limit) {
        return read(() -> redis.log(subject, cursor, limit), () -> local.log(subject, cursor, limit));
    }

    @Override
    public List<Map.Entry<String, Double>> topScores(int limit, long nowMillis, long halfLifeMillis) {
        return read(() -> redis.topScores(limit, nowMillis, halfLifeMillis), () -> local.topScores(limit, nowMillis, halfLifeMillis));
    }

    @Override
    public int pruneLog(long beforeMillis) {
        return read(() -> redis.pruneLog(beforeMillis), () -> local.pruneLog(beforeMillis));
    }

    // ---- token revocation ---------------------------------------------------------------------

    @Override
    public void revokeToken(String jti, long expiresAtMillis) {
        write(() -> {
            redis.revokeToken(jti, expiresAtMillis);
            return null;
        }, new ReplayQueue.RevokeToken(jti, expiresAtMillis), () -> {
            local.revokeToken(jti, expiresAtMillis);
            return null;
        });
    }

    @Override
    public boolean isTokenRevoked(String jti, long nowMillis) {
        boolean here = local.isTokenRevoked(jti, nowMillis);
        return here || read(() -> redis.isTokenRevoked(jti, nowMillis), () -> false);
    }

    @Override
    public void revokeUserTokens(String user, long beforeMillis) {
        write(() -> {
            redis.revokeUserTokens(user, beforeMillis);
            return null;
        }, new ReplayQueue.RevokeUser(user, beforeMillis), () -> {
            local.revokeUserTokens(user, beforeMillis);
            return null;
        });
    }

    @Override
    public long userTokensRevokedBefore(String user) {
        long here = local.userTokensRevokedBefore(user);
        return Math.max(here, read(() -> redis.userTokensRevokedBefore(user), () -> Long.MIN_VALUE));
    }

    // ---- link-spam state ----------------------------------------------------------------------

    @Override
    public String linkSpamState(String key, long nowMillis) {
        return read(() -> redis.linkSpamState(key, nowMillis), () -> local.linkSpamState(key, nowMillis));
    }

    @Override
    public void putLinkSpamState(String key, String state, long expiresAtMillis) {
        if (useRedis()) {
            try {
                redis.putLinkSpamState(key, state, expiresAtMillis);
                return;
            } catch (RuntimeException e) {
                health.markDown(e);
            }
        }
        local.putLinkSpamState(key, state, expiresAtMillis);
    }

    @Override
    public void close() {
        replay.close();
        redis.close();
    }
}
