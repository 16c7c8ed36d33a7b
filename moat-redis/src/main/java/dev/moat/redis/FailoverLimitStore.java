package dev.moat.redis;

import dev.moat.core.store.LeaseGrant;
import dev.moat.core.store.LimitCall;
import dev.moat.core.store.LimitOutcome;
import dev.moat.core.store.LimitStore;
import dev.moat.core.store.MemoryLimitStore;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;

/*
 * How it works and why.
 *
 * Wraps the Redis store with the configured on_failure. While RedisHealth says up, every call goes
 * to Redis, bounded by the timeout; the first failure turns the flag off and the same call is
 * answered by the fallback, so no exception reaches the engine and no request waits longer than
 * one timeout. While down, calls go straight to the fallback: local (this node's
 * MemoryLimitStore: limits hold per node, so a fleet of N admits up to N times a limit), allow,
 * or deny (refusing with a retry-after of one probe interval). The prober brings Redis back.
 *
 * Lease ids say where they came from ("local:" for the memory store, "none:" for leases granted
 * by allow), so a release goes to the store that granted the lease even after Redis is back.
 */

/** The limit store of a Redis deployment: Redis, with on_failure local, allow or deny. */
public final class FailoverLimitStore implements LimitStore {
    static final String LOCAL_LEASE = "local:";
    static final String NO_LEASE = "none:";

    private final LimitStore redis;
    private final MemoryLimitStore local;
    private final RedisHealth health;

    public FailoverLimitStore(LimitStore redis, MemoryLimitStore local, RedisHealth health) {
        this.redis = redis;
        this.local = local;
        this.health = health;
    }

    @Override
    public LimitOutcome[] consume(List<LimitCall> calls, long nowMillis, boolean dryRun) {
        if (health.isUp()) {
            try {
                return redis.consume(calls, nowMillis, dryRun);
            } catch (IllegalArgumentException misuse) {
                throw misuse;
            } catch (RuntimeException e) {
                health.markDown(e);
            }
        }
        return fallback(calls, nowMillis, dryRun);
    }

    /**
     * The same without waiting: Redis's answer, or when it fails or times out, the fallback's,
     * exactly as {@link #consume(List, long, boolean)} answers (the fallbacks answer from memory at
     * once). Null when Redis's store cannot take these calls without blocking.
     */
    @Override
    public CompletableFuture<LimitOutcome[]> consumeAsync(List<LimitCall> calls, long nowMillis, boolean dryRun) {
        if (!health.isUp()) {
            return CompletableFuture.completedFuture(fallback(calls, nowMillis, dryRun));
        }
        CompletableFuture<LimitOutcome[]> answer = redis.consumeAsync(calls, nowMillis, dryRun);
        if (answer == null) {
            return null;
        }
        return answer.handle((out, error) -> {
            if (error == null) {
                return out;
            }
            Throwable cause = RedisConnection.unwrap(error);
            if (cause instanceof IllegalArgumentException misuse) {
                throw misuse;
            }
            health.markDown(cause);
            return fallback(calls, nowMillis, dryRun);
        });
    }

    private LimitOutcome[] fallback(List<LimitCall> calls, long nowMillis, boolean dryRun) {
        return switch (health.mode()) {
            case LOCAL -> local.consume(calls, nowMillis, dryRun);
            case ALLOW -> fixed(calls, true);
            case DENY -> fixed(calls, false);
        };
    }

    /** One limit: passed through in the single-limit form, which the stores answer without a list. */
    @Override
    public LimitOutcome consume(LimitCall call, long nowMillis, boolean dryRun) {
        if (health.isUp()) {
            try {
                return redis.consume(call, nowMillis, dryRun);
            } catch (IllegalArgumentException misuse) {
                throw misuse;
            } catch (RuntimeException e) {
                health.markDown(e);
            }
        }
        return switch (health.mode()) {
            case LOCAL -> local.consume(call, nowMillis, dryRun);
            case ALLOW -> fixed(call, true);
            case DENY -> fixed(call, false);
        };
    }

    private LimitOutcome fixed(LimitCall call, boolean allowed) {
        return allowed ? new LimitOutcome(true, call.limiter().spec().max(), 0, 0)
                : new LimitOutcome(false, 0, health.probeMillis(), 0);
    }

    private LimitOutcome[] fixed(List<LimitCall> calls, boolean allowed) {
        LimitOutcome[] out = new LimitOutcome[calls.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = fixed(calls.get(i), allowed);
        }
        return out;
    }

    @Override
    public LeaseGrant acquireLease(String key, int max, long leaseMillis, long nowMillis) {
        if (health.isUp()) {
            try {
                return redis.acquireLease(key, max, leaseMillis, nowMillis);
            } catch (IllegalArgumentException misuse) {
                throw misuse;
            } catch (RuntimeException e) {
                health.markDown(e);
            }
        }
        return switch (health.mode()) {
            case LOCAL -> {
                LeaseGrant g = local.acquireLease(key, max, leaseMillis, nowMillis);
                yield g.allowed() ? new LeaseGrant(true, LOCAL_LEASE + g.leaseId(), g.expiresAtMillis(), g.inFlight(), 0) : g;
            }
            case ALLOW -> new LeaseGrant(true, NO_LEASE + Long.toHexString(ThreadLocalRandom.current().nextLong()),
                    nowMillis + leaseMillis, 1, 0);
            case DENY -> new LeaseGrant(false, null, 0, 0, health.probeMillis());
        };
    }

    @Override
    public void releaseLease(String leaseId, long nowMillis) {
        if (leaseId == null || leaseId.startsWith(NO_LEASE)) {
            return;
        }
        if (leaseId.startsWith(LOCAL_LEASE)) {
            local.releaseLease(leaseId.substring(LOCAL_LEASE.length()), nowMillis);
            return;
        }
        if (health.isUp()) {
            try {
                redis.releaseLease(leaseId, nowMillis);
            } catch (RuntimeException e) {
                health.markDown(e); // the lease lapses by itself
            }
        }
    }

    /** "redis": the configured store, whatever is answering right now (see {@link #health()}). */
    @Override
    public String kind() {
        return "redis";
    }

    public boolean redisUp() {
        return health.isUp();
    }

    public boolean fallbackActive() {
        return !health.isUp();
    }

    public String health() {
        return health.describe();
    }

    @Override
    public void close() {
        redis.close();
    }
}
