package dev.moat.redis;

import dev.moat.core.store.AsyncConsumeView;
import dev.moat.core.store.LimitStore;
import dev.moat.core.store.LimitStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.util.List;

/**
 * The shared limit-store contract against a real three-master Redis Cluster through the store's
 * non-blocking form: checks whose keys share a slot take it, the others (a subject's limits and a
 * global budget on different nodes) the blocking cluster path it falls back to.
 */
class ClusterRedisLimitStoreAsyncContractTest extends LimitStoreContract {
    private static RedisServers.Cluster cluster;
    private static RedisConnection connection;

    @BeforeAll
    static void connect() {
        cluster = RedisServers.cluster(3);
        connection = RedisConnection.open("redis://127.0.0.1", cluster.nodes(), 5_000);
    }

    @AfterAll
    static void disconnect() {
        connection.close();
        cluster.close();
    }

    @Override
    protected LimitStore newStore() {
        return new AsyncConsumeView(new RedisLimitStore(connection, "moat"));
    }
}
