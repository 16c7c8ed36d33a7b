package dev.moat.redis;

import dev.moat.core.Moat;
import dev.moat.core.store.LimitStore;
import dev.moat.core.store.MemoryLimitStore;
import dev.moat.core.store.StateStore;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The Redis deployment of Moat, assembled: what the server's composition root calls for
 * {@code store.type: redis}.
 *
 * <pre>{@code
 * RedisStores redis = RedisStores.open(uri, nodes, "moat", "local", 250, dataDir);
 * Moat moat = Moat.builder().limitStore(redis.limitStore()).stateStore(redis.stateStore()).build();
 * redis.propagation(moat);          // ban propagation between nodes
 * ...  GET /healthz: redis.health(), redis.redisUp(), redis.fallbackActive()
 * redis.close();
 * }</pre>
 *
 * Opening never fails because Redis is down: the stores start in their fallback and switch to
 * Redis when the prober reaches it.
 */
public final class RedisStores implements AutoCloseable {

    /**
     * Knobs beyond the config file's.
     *
     * @param probeMillis    how often a down Redis is probed (also the deny mode's retry-after)
     * @param limits         limit store tuning (slices, expiry slack)
     * @param state          state store tuning (log cap, expiry slack)
     * @param replayCapacity writes kept for replay during an outage at most
     */
    public record Tuning(long probeMillis, RedisLimitStore.Options limits, RedisStateStore.Options state, int replayCapacity) {
        public static Tuning defaults() {
            return new Tuning(500, RedisLimitStore.Options.defaults(), RedisStateStore.Options.defaults(),
                    FailoverStateStore.DEFAULT_REPLAY_CAPACITY);
        }

        public Tuning withProbeMillis(long millis) {
            return new Tuning(millis, limits, state, replayCapacity);
        }

        public Tuning withLimits(RedisLimitStore.Options o) {
            return new Tuning(probeMillis, o, state, replayCapacity);
        }
    }

    /** The default per-request timeout: no request waits for Redis longer than this. */
    public static final long DEFAULT_TIMEOUT_MILLIS = 250;

    private final RedisConnection connection;
    private final RedisHealth health;
    private final RedisLimitStore redisLimits;
    private final RedisStateStore redisState;
    private final FailoverLimitStore limits;
    private final FailoverStateStore state;
    private final String keyPrefix;
    private final List<RedisBanPropagation> propagations = new CopyOnWriteArrayList<>();

    private RedisStores(RedisConnection connection, String keyPrefix, FailureMode mode, Path dataDir, Tuning tuning) {
        this.connection = connection;
        this.keyPrefix = keyPrefix;
        this.health = new RedisHealth(connection, mode, tuning.probeMillis());
        this.redisLimits = new RedisLimitStore(connection, keyPrefix, tuning.limits());
        this.redisState = new RedisStateStore(connection, keyPrefix, tuning.state());
        this.limits = new FailoverLimitStore(redisLimits, new MemoryLimitStore(), health);
        this.state = new FailoverStateStore(redisState, health, dataDir, tuning.replayCapacity());
    }

    /**
     * Connects to Redis.
     *
     * @param uri            {@code redis://[user:password@]host:port} or {@code rediss://...} (TLS);
     *                       in a cluster, the scheme, credentials and TLS settings of every node
     * @param clusterNodes   seed nodes {@code host:port} of a Redis Cluster, or empty/null for standalone
     * @param keyPrefix      first part of every key (config {@code key_prefix}, default {@code moat})
     * @param onFailure      {@code local}, {@code allow} or {@code deny}
     * @param timeoutMillis  the longest any request waits for Redis (default 250)
     * @param dataDirOrNull  where writes acknowledged during an outage are kept until replayed
     */
    public static RedisStores open(String uri, List<String> clusterNodes, String keyPrefix, String onFailure,
                                   long timeoutMillis, Path dataDirOrNull) {
        return open(uri, clusterNodes, keyPrefix, onFailure, timeoutMillis, dataDirOrNull, Tuning.defaults());
    }

    public static RedisStores open(String uri, List<String> clusterNodes, String keyPrefix, String onFailure,
                                   long timeoutMillis, Path dataDirOrNull, Tuning tuning) {
        FailureMode mode = FailureMode.fromConfig(onFailure);
        String prefix = keyPrefix == null || keyPrefix.isBlank() ? "moat" : keyPrefix;
        new KeyLayout(prefix); // validates before connecting
        RedisConnection c = RedisConnection.open(uri, clusterNodes, timeoutMillis <= 0 ? DEFAULT_TIMEOUT_MILLIS : timeoutMillis);
        try {
            return new RedisStores(c, prefix, mode, dataDirOrNull, tuning);
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** Limits: Redis, with the configured on_failure. */
    public LimitStore limitStore() {
        return limits;
    }

    /** Bans, scores, log, revocations: Redis, with a local stand-in and replay during outages. */
    public StateStore stateStore() {
        return state;
    }

    /**
     * Attaches ban propagation to {@code moat} (built on this object's stores): bans and unbans
     * made on this node reach the others through pub/sub, and the ban book is reloaded from Redis
     * whenever the connection comes back.
     */
    public RedisBanPropagation propagation(Moat moat) {
        // Both reloads read Redis itself, never the outage stand-in: a reload that cannot reach
        // Redis throws and leaves the book as it is (it knows more than the stand-in does).
        Runnable resync = () -> {
            if (!health.isUp()) {
                health.probe(); // replays this node's outage writes first, when Redis answers
            }
            moat.reloadBans(state::activeBansFromRedis);
        };
        RedisBanPropagation p = RedisBanPropagation.attach(connection, keyPrefix, moat, resync);
        health.afterUp(() -> {
            try {
                moat.reloadBans(state::activeBansFromRedis);
            } catch (RuntimeException ignored) {
                // the next reconnect resynchronises
            }
        });
        propagations.add(p);
        return p;
    }

    /** One line for /healthz. */
    public String health() {
        return state.health();
    }

    public boolean redisUp() {
        return health.isUp();
    }

    /** True while requests are answered by the fallback (or writes still wait to be replayed). */
    public boolean fallbackActive() {
        return state.fallbackActive();
    }

    public FailureMode failureMode() {
        return health.mode();
    }

    /** Writes acknowledged during an outage and not yet in Redis. */
    public int pendingReplay() {
        return state.pendingReplay();
    }

    public RedisConnection connection() {
        return connection;
    }

    /** The Redis stores under the failover wrappers (tests, benchmarks). */
    public RedisLimitStore redisLimitStore() {
        return redisLimits;
    }

    public RedisStateStore redisStateStore() {
        return redisState;
    }

    public RedisHealth redisHealth() {
        return health;
    }

    @Override
    public void close() {
        for (RedisBanPropagation p : propagations) {
            p.close();
        }
        limits.close();
        state.close();
        health.close();
        connection.close();
    }
}
