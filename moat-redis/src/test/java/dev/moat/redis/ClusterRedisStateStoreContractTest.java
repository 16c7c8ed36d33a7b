package dev.moat.redis;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.util.List;

/** The shared state-store contract against a real three-master Redis Cluster. */
class ClusterRedisStateStoreContractTest extends RedisStateStoreContractTest {
    private static RedisServers.Cluster cluster;

    @BeforeAll
    static void start() {
        cluster = RedisServers.cluster(3);
    }

    @AfterAll
    static void stop() {
        cluster.close();
    }

    @Override
    protected String uri() {
        return "redis://127.0.0.1";
    }

    @Override
    protected List<String> nodes() {
        return cluster.nodes();
    }
}
