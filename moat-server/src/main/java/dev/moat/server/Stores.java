package dev.moat.server;

import dev.moat.core.Moat;
import dev.moat.core.store.LimitStore;
import dev.moat.core.store.MemoryLimitStore;
import dev.moat.core.store.StateStore;
import dev.moat.server.config.StoreSettings;
import dev.moat.redis.FailureMode;
import dev.moat.redis.RedisStores;
import dev.moat.sqlite.SqliteStateStore;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The one place that picks the stores from {@code store}. The embedded default ({@code memory}):
 * counters in this node's memory, durable state (bans, scores, the violation log, revocations)
 * in SQLite under {@code store.data_dir}. A fleet ({@code redis}): both in Redis, with this node's
 * memory as the fallback {@code on_failure: local} uses, and {@code data_dir} keeping writes
 * acknowledged during an outage until Redis is back.
 */
final class Stores {
    private final LimitStore limits;
    private final StateStore state;
    private final RedisStores redis;

    private Stores(LimitStore limits, StateStore state, RedisStores redis) {
        this.limits = limits;
        this.state = state;
        this.redis = redis;
    }

    static Stores open(StoreSettings s) throws StartupException {
        if ("redis".equals(s.type())) {
            StoreSettings.Redis r = s.redis();
            try {
                RedisStores stores = RedisStores.open(r.uri(), r.nodes(), r.keyPrefix(), r.onFailure(), r.timeoutMillis(),
                        Path.of(s.dataDir()));
                return new Stores(stores.limitStore(), stores.stateStore(), stores);
            } catch (RuntimeException e) {
                throw new StartupException("store.redis: " + e.getMessage(), 1, e);
            }
        }
        LimitStore limits = new MemoryLimitStore(s.maxKeys());
        try {
            // data_dir/moat.db, created and migrated; fails if another process has it open
            return new Stores(limits, SqliteStateStore.open(Path.of(s.dataDir())), null);
        } catch (RuntimeException e) {
            limits.close();
            throw new StartupException("store.data_dir " + s.dataDir() + ": " + e.getMessage(), 1, e);
        }
    }

    LimitStore limits() {
        return limits;
    }

    StateStore state() {
        return state;
    }

    /** Starts ban propagation between nodes (Redis only); the returned handle is closed at shutdown. */
    Fleet attach(Moat moat) {
        return redis == null ? Fleet.singleNode() : Fleet.overRedis(redis.propagation(moat));
    }

    /** "sqlite", "redis" or "memory", for /healthz. */
    String stateKind() {
        return redis != null ? "redis" : state instanceof SqliteStateStore ? "sqlite" : "memory";
    }

    /** Whether Redis answers; null without Redis. */
    Boolean redisUp() {
        return redis == null ? null : redis.redisUp();
    }

    /** Whether this node decides from its local fallback; null without Redis. */
    Boolean fallbackActive() {
        return redis == null ? null : redis.fallbackActive();
    }

    /** Why the node cannot decide safely right now, or empty when it can. */
    Optional<String> problem() {
        if (redis != null) {
            boolean unusable = !redis.redisUp() && redis.failureMode() == FailureMode.DENY;
            return unusable ? Optional.of("redis is unreachable and store.redis.on_failure is deny: " + redis.health())
                    : Optional.empty();
        }
        if (state instanceof SqliteStateStore sqlite && !sqlite.healthy()) {
            String e = sqlite.lastError();
            return Optional.of("the state store is failing: " + (e == null ? "unknown error" : e));
        }
        return Optional.empty();
    }

    /** Closes what {@link #open} opened. */
    void close() {
        if (redis != null) {
            redis.close();
        } else {
            state.close();
            limits.close();
        }
    }
}
