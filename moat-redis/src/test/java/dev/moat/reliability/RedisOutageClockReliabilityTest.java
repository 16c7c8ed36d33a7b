package dev.moat.reliability;

import dev.moat.core.CheckRequest;
import dev.moat.core.ManualClock;
import dev.moat.core.Moat;
import dev.moat.core.Reason;
import dev.moat.core.ban.Ban;
import dev.moat.redis.RedisConnection;
import dev.moat.redis.RedisServers;
import dev.moat.redis.RedisStateStore;
import dev.moat.redis.RedisStores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis killed and restarted while the node's wall clock jumps, through {@link RedisStores} (the
 * server's composition root does not offer {@code store.type: redis} yet, so the fault is driven
 * at the level it would use). RedisFailoverTest covers the outage itself under load; this adds
 * the clock: writes acknowledged during an outage are replayed later, against timestamps that a
 * clock step (NTP, a resumed VM) has moved, and must still mean what was acknowledged.
 */
class RedisOutageClockReliabilityTest {
    static final long HOUR = 3_600_000;
    private static final RedisStores.Tuning FAST_PROBE = RedisStores.Tuning.defaults().withProbeMillis(50);

    @TempDir
    Path dataDir;
    private RedisServers.Server server;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeEach
    void start() {
        server = RedisServers.standalone("--appendonly", "yes", "--appendfsync", "always");
    }

    @AfterEach
    void stop() throws Exception {
        Collections.reverse(closing);
        for (AutoCloseable c : closing) {
            c.close();
        }
        server.close();
    }

    private Moat node(String prefix, ManualClock clock) {
        RedisStores stores = RedisStores.open(server.uri(), List.of(), prefix, "local", 250, dataDir, FAST_PROBE);
        closing.add(stores);
        Moat moat = Moat.builder().clock(clock).limitStore(stores.limitStore()).stateStore(stores.stateStore()).build();
        closing.add(stores.propagation(moat));
        this.stores = stores;
        return moat;
    }

    private RedisStores stores;

    private List<String> bansInRedis(String prefix, long nowMillis) {
        try (RedisConnection c = RedisConnection.open(server.uri(), List.of(), 5_000)) {
            return new RedisStateStore(c, prefix).activeBans(nowMillis).stream().map(Ban::subject).toList();
        }
    }

    private static void waitUntil(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
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

    private void outage(Runnable during) {
        server.kill();
        waitUntil(() -> {
            stores.stateStore().scores("user:probe", System.currentTimeMillis(), 0); // a failed read notices the outage
            return stores.fallbackActive() && !stores.redisUp();
        }, "the fallback");
        during.run();
        server.restart();
        waitUntil(() -> stores.redisUp() && stores.pendingReplay() == 0, "recovery and replay");
    }

    /**
     * A ban made while the clock ran an hour fast; NTP steps it back; Redis goes down; the ban is
     * lifted (acknowledged: the API answers 204); Redis returns and the outage's writes are
     * replayed. The lifted ban must stay lifted, in Redis and on the node.
     */
    @Test
    @Disabled("finding: FailoverStateStore.removeBan queues RemoveBan(subject, System.currentTimeMillis()) and the replay"
            + " (RedisStateStore.removeBanCreatedBy) lifts only a ban created no later than that instant; a ban created"
            + " while the clock ran fast has a later createdAt, so the acknowledged unban is skipped on replay and the ban"
            + " comes back on every node at the next resync. The guard needs the createdAt of the ban the node lifted"
            + " (e.g. max(now, createdAt of the ban this node knows)), which the StateStore.removeBan SPI does not carry:"
            + " a design change for moat-redis, not a one-line fix")
    void anUnbanAcknowledgedDuringAnOutageHoldsAfterTheClockSteppedBack() {
        String prefix = "clock-unban-" + UUID.randomUUID();
        ManualClock clock = new ManualClock(System.currentTimeMillis() + HOUR);
        Moat moat = node(prefix, clock);
        moat.ban("user:stepped", 2 * HOUR, "made while the clock was fast", "ops");
        clock.setMillis(System.currentTimeMillis());

        outage(() -> assertThat(moat.unban("user:stepped", "ops", "lifted during the outage")).isTrue());

        moat.reloadBans();
        assertThat(bansInRedis(prefix, clock.nowMillis())).as("bans in redis after the replay").doesNotContain("user:stepped");
        assertThat(moat.banOf("user:stepped")).isNull();
        assertThat(moat.check(CheckRequest.builder("message").user("stepped").build()).reason())
                .isNotEqualTo(Reason.BANNED);
    }

    /** The same without the clock step: the replayed unban lifts the ban (the guard works as meant). */
    @Test
    void anUnbanAcknowledgedDuringAnOutageHoldsWithASteadyClock() {
        String prefix = "clock-steady-" + UUID.randomUUID();
        ManualClock clock = new ManualClock(System.currentTimeMillis());
        Moat moat = node(prefix, clock);
        moat.ban("user:steady", 2 * HOUR, "before the outage", "ops");

        outage(() -> assertThat(moat.unban("user:steady", "ops", "lifted during the outage")).isTrue());

        moat.reloadBans();
        assertThat(bansInRedis(prefix, clock.nowMillis())).doesNotContain("user:steady");
        assertThat(moat.banOf("user:steady")).isNull();
    }

    /**
     * Bans acknowledged during an outage, one of which has run out by the time Redis returns on a
     * clock that jumped forward: the live one is replayed and in force, the spent one is not
     * brought back to life; scores recorded at jumping instants add up without growing.
     */
    @Test
    void bansAndScoresAcknowledgedDuringAnOutageReplayAcrossAClockJump() {
        String prefix = "clock-replay-" + UUID.randomUUID();
        long t0 = System.currentTimeMillis();
        ManualClock clock = new ManualClock(t0);
        Moat moat = node(prefix, clock);

        outage(() -> {
            moat.ban("user:short", 60_000, "one minute", "ops");
            moat.ban("user:long", 2 * HOUR, "two hours", "ops");
            moat.reportViolation("spam", "jumper", null, 2.0, "at t0");
            clock.setMillis(t0 - HOUR);
            moat.reportViolation("spam", "jumper", null, 3.0, "after a step back");
            clock.setMillis(t0 + 10 * 60_000);
        });

        moat.reloadBans();
        List<String> inRedis = bansInRedis(prefix, clock.nowMillis());
        assertThat(inRedis).contains("user:long").doesNotContain("user:short");
        assertThat(moat.banOf("user:long")).isNotNull();
        assertThat(moat.banOf("user:short")).isNull();
        assertThat(moat.history("user:jumper", null, 10).scores().get("spam")).isEqualTo(5.0);
    }
}
