package dev.moat.redis;

import dev.moat.core.store.LimitStore;
import dev.moat.core.store.LimitStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

import java.util.List;

/** The shared limit-store contract against a real standalone redis-server. */
class RedisLimitStoreContractTest extends LimitStoreContract {
    private static RedisConnection connection;

    @BeforeAll
    static void connect() {
        connection = RedisConnection.open(RedisServers.shared().uri(), List.of(), 5_000);
    }

    @AfterAll
    static void disconnect() {
        connection.close();
    }

    @Override
    protected LimitStore newStore() {
        return new RedisLimitStore(connection, "moat");
    }
}
