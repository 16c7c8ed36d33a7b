package dev.moat.bench;

import dev.moat.core.limit.LimitSpec;
import dev.moat.core.limit.Limiter;
import dev.moat.core.store.LimitCall;
import dev.moat.core.store.LimitOutcome;
import dev.moat.core.store.LimitStore;
import dev.moat.redis.RedisStores;

import java.util.List;

/**
 * Moat's Redis path as the server wires it: {@code RedisStores.open(...).limitStore()}, the
 * {@code FailoverLimitStore} over {@code RedisLimitStore} (on_failure local, timeout 250 ms), called
 * with {@code consume(call, System.currentTimeMillis(), false)} as the engine calls it for a check
 * with one limit. Checks of concurrent callers are coalesced: one EVALSHA of Moat's consume script
 * carries every check that arrived while the previous one was in flight ({@link #batchCounts()}).
 *
 * <p>A fallback would silently answer from memory and flatter the figure, so the caller checks
 * {@link #outages()} and Redis's own EVALSHA count after the run.
 */
final class MoatRedisSide implements RedisSide {
    /** The limit id of every counter; the subject differs per key. */
    static final String LIMIT_ID = "bench.limit";

    private final RedisStores stores;
    private final LimitStore limits;
    private final LimitCall[] calls;
    private final long outagesAtStart;

    MoatRedisSide(String hostPort, String keyPrefix, String[] subjects, LimitSpec spec) {
        this.stores = RedisStores.open("redis://" + hostPort, List.of(), keyPrefix, "local",
                RedisStores.DEFAULT_TIMEOUT_MILLIS, null, tuning());
        if (!stores.redisUp()) {
            stores.close();
            throw new IllegalStateException("moat could not reach redis at " + hostPort);
        }
        this.limits = stores.limitStore();
        Limiter limiter = spec.limiter();
        this.calls = new LimitCall[subjects.length];
        for (int i = 0; i < subjects.length; i++) {
            calls[i] = new LimitCall(LIMIT_ID + "|" + subjects[i], limiter, 1);
        }
        this.outagesAtStart = warmUp(limiter);
    }

    /**
     * The server's tuning; {@code -Dmoat.bench.batchInFlight=N} changes coalescing (0: off) for an
     * A/B of the same build.
     */
    private static RedisStores.Tuning tuning() {
        RedisStores.Tuning t = RedisStores.Tuning.defaults();
        String inFlight = System.getProperty("moat.bench.batchInFlight");
        return inFlight == null ? t : t.withLimits(t.limits().withBatchInFlight(Integer.parseInt(inFlight)));
    }

    /** Calls Moat sent to Redis through coalescing and the checks they carried. */
    long[] batchCounts() {
        return stores.redisLimitStore().batchCounts();
    }

    /**
     * The first call of a fresh JVM loads Lettuce's classes and, on a fresh Redis, turns NOSCRIPT
     * into an EVAL: on a loaded machine that can take longer than the 250 ms timeout, which marks
     * Redis down until the next probe. That is start-up, not throughput: call until Redis has
     * answered in time, then count outages from there.
     */
    private long warmUp(Limiter limiter) {
        List<LimitCall> warm = List.of(new LimitCall(LIMIT_ID + "|warm-up", limiter, 1));
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (System.nanoTime() < deadline) {
            long outages = stores.redisHealth().outages();
            if (stores.redisUp()) {
                limits.consume(warm.get(0), System.currentTimeMillis(), false);
                if (stores.redisHealth().outages() == outages && stores.redisUp()) {
                    return outages;
                }
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        close();
        throw new IllegalStateException("moat's calls to redis did not answer within the timeout for 30 s");
    }

    @Override
    public String name() {
        return "moat";
    }

    @Override
    public boolean check(int keyIndex) {
        return limits.consume(calls[keyIndex], System.currentTimeMillis(), false).allowed();
    }

    /**
     * The non-blocking form the server's event loops use ({@code consumeAsync}, through the same
     * failover wrapper), for the check's one limit.
     */
    @Override
    public java.util.concurrent.CompletionStage<Boolean> checkAsync(int keyIndex) {
        return limits.consumeAsync(List.of(calls[keyIndex]), System.currentTimeMillis(), false)
                .thenApply(out -> out[0].allowed());
    }

    /** How often Redis was marked down since the warm-up: each outage sent calls to the local fallback. */
    @Override
    public long outages() {
        return stores.redisHealth().outages() - outagesAtStart;
    }

    /** The Redis key Moat keeps the counter of {@code subject} under (for the equivalence check). */
    String redisKey(String subject) {
        return stores.redisLimitStore().keys().limit(LIMIT_ID + "|" + subject, 'g');
    }

    LimitOutcome checkAt(int keyIndex, long nowMillis) {
        return limits.consume(calls[keyIndex], nowMillis, false);
    }

    @Override
    public void close() {
        stores.close();
    }
}
