package dev.moat.redis;

import dev.moat.core.store.StateStore;
import dev.moat.core.store.StateStoreContract;
import org.junit.jupiter.api.AfterEach;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The shared state-store contract against a real standalone redis-server. Each test gets its own
 * key prefix (an empty store); reopening drops the connection and the store and connects anew, so
 * durability is proved by what Redis itself holds.
 */
class RedisStateStoreContractTest extends StateStoreContract {
    private final List<RedisConnection> connections = new ArrayList<>();
    private String prefix;

    protected String uri() {
        return RedisServers.shared().uri();
    }

    protected List<String> nodes() {
        return List.of();
    }

    private RedisStateStore open() {
        RedisConnection c = RedisConnection.open(uri(), nodes(), 5_000);
        connections.add(c);
        return new RedisStateStore(c, prefix);
    }

    @Override
    protected StateStore newStore() {
        prefix = "state-" + UUID.randomUUID();
        return open();
    }

    @Override
    protected StateStore reopen(StateStore old) {
        old.close();
        connections.remove(connections.size() - 1).close();
        return open();
    }

    @AfterEach
    void disconnect() {
        connections.forEach(RedisConnection::close);
        connections.clear();
    }
}
