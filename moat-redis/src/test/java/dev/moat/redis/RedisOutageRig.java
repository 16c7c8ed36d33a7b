package dev.moat.redis;

import dev.moat.core.ban.Ban;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the outage tests share: a real redis-server with appendonly/appendfsync always (as
 * docs/redis.md recommends, so a kill keeps what was acknowledged), stores opened on it with a
 * fast prober, waits with a deadline, and Redis's own view of the bans. Open it before each test
 * and close it after; it closes what it opened, newest first, then the server.
 */
public final class RedisOutageRig implements AutoCloseable {
    /** Probes a down Redis every 50 ms, so a test sees recovery quickly. */
    public static final RedisStores.Tuning FAST_PROBE = RedisStores.Tuning.defaults().withProbeMillis(50);
    /**
     * The stores' request timeout: wider than production's 250 ms so that a slow answer on a
     * loaded machine (a first script load) is not taken for an outage, which would send a write
     * to the stand-in behind the test's back. A killed server is noticed at once (refused), not by
     * this timeout.
     */
    private static final long TIMEOUT_MILLIS = 1_000;

    private final RedisServers.Server server = RedisServers.standalone("--appendonly", "yes", "--appendfsync", "always");
    private final List<AutoCloseable> closing = new ArrayList<>();

    public RedisServers.Server server() {
        return server;
    }

    /** Stores on the rig's server, closed with the rig. */
    public RedisStores open(String prefix, String onFailure, Path dataDirOrNull) {
        RedisStores s = RedisStores.open(server.uri(), List.of(), prefix, onFailure, TIMEOUT_MILLIS, dataDirOrNull, FAST_PROBE);
        closing.add(s);
        return s;
    }

    /** Closes {@code c} with the rig. */
    public <T extends AutoCloseable> T closeLater(T c) {
        closing.add(c);
        return c;
    }

    /** Forgets {@code c} (a test closed it itself). */
    public void forget(AutoCloseable c) {
        closing.remove(c);
    }

    /** Polls {@code condition} every 10 ms until it holds; fails after {@code limit}. */
    public static void waitUntil(Duration limit, BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waited for " + what).isLessThan(deadline);
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    /** The bans Redis itself holds at {@code nowMillis}, read through a connection of its own. */
    public List<Ban> bansInRedis(String prefix, long nowMillis) {
        try (RedisConnection c = RedisConnection.open(server.uri(), List.of(), 5_000)) {
            return new RedisStateStore(c, prefix).activeBans(nowMillis);
        }
    }

    /** Kills Redis and waits until {@code stores} serve from their fallback. */
    public void kill(RedisStores stores) {
        server.kill();
        waitUntil(Duration.ofSeconds(20), () -> {
            stores.stateStore().scores("user:probe", System.currentTimeMillis(), 0); // a failed read notices the outage
            return stores.fallbackActive() && !stores.redisUp();
        }, "the fallback");
    }

    /** Restarts Redis and waits until {@code stores} use it again with nothing left to replay. */
    public void restart(RedisStores stores) {
        server.restart();
        waitUntil(Duration.ofSeconds(20), () -> stores.redisUp() && stores.pendingReplay() == 0, "recovery and replay");
    }

    /** Kills Redis, runs {@code during} on the fallback, restarts Redis and waits for the replay. */
    public void outage(RedisStores stores, Runnable during) {
        kill(stores);
        during.run();
        restart(stores);
    }

    @Override
    public void close() throws Exception {
        List<AutoCloseable> newestFirst = new ArrayList<>(closing);
        Collections.reverse(newestFirst);
        try {
            for (AutoCloseable c : newestFirst) {
                c.close();
            }
        } finally {
            server.close();
        }
    }
}
