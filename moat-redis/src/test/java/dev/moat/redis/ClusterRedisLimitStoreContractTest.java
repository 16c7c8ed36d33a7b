package dev.moat.redis;

import dev.moat.core.store.LimitStore;
import dev.moat.core.store.LimitStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The shared limit-store contract against a real three-master Redis Cluster: groups whose keys
 * live on different nodes run the cluster path (parallel per-slot scripts, refunds on refusal).
 */
class ClusterRedisLimitStoreContractTest extends LimitStoreContract {
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
        return new RedisLimitStore(connection, "moat");
    }
}
