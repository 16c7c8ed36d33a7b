package dev.moat.reliability;

import dev.moat.core.CheckRequest;
import dev.moat.core.ManualClock;
import dev.moat.core.Moat;
import dev.moat.core.Reason;
import dev.moat.core.ban.Ban;
import dev.moat.redis.RedisBanPropagation;
import dev.moat.redis.RedisOutageRig;
import dev.moat.redis.RedisStores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

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

    @TempDir
    Path dataDir;
    private RedisOutageRig rig;
    private RedisStores stores;
    private RedisBanPropagation propagation;

    @BeforeEach
    void start() {
        rig = new RedisOutageRig();
    }

    @AfterEach
    void stop() throws Exception {
        rig.close();
    }

    /** A node on Redis whose ban book has had its first resynchronisation (so later reloads are the test's). */
    private Moat node(String prefix, ManualClock clock) {
        stores = rig.open(prefix, "local", dataDir);
        Moat moat = Moat.builder().clock(clock).limitStore(stores.limitStore()).stateStore(stores.stateStore()).build();
        propagation = rig.closeLater(stores.propagation(moat));
        RedisOutageRig.waitUntil(Duration.ofSeconds(20), () -> propagation.resyncs() > 0, "the first resynchronisation");
        return moat;
    }

    private List<String> bansInRedis(String prefix, long nowMillis) {
        return rig.bansInRedis(prefix, nowMillis).stream().map(Ban::subject).toList();
    }

    private void outage(Runnable during) {
        rig.outage(stores, during);
    }

    /**
     * A ban made while the clock ran an hour fast; NTP steps it back; Redis goes down; the ban is
     * lifted (acknowledged: the API answers 204); Redis returns and the outage's writes are
     * replayed. The lifted ban must stay lifted, in Redis and on the node: the queued unban names
     * the ban it lifted (its createdAt), not the instant of the node's stepped-back clock.
     */
    @Test
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
     * The ban book resynchronised while Redis is down (a late resubscription, a reconnect that
     * fails again) must keep what the node knows: the stand-in only holds what Redis listed at the
     * last reload, not the bans made since, so reloading from it dropped this ban and the unban
     * during the outage answered false (the flaky run of the steady-clock test).
     */
    @Test
    void aResynchronisationDuringAnOutageKeepsTheBansTheNodeKnows() {
        String prefix = "clock-resync-" + UUID.randomUUID();
        ManualClock clock = new ManualClock(System.currentTimeMillis());
        Moat moat = node(prefix, clock);
        moat.ban("user:kept", 2 * HOUR, "made after the last reload", "ops");

        outage(() -> {
            propagation.resynchroniseNow();
            assertThat(moat.banOf("user:kept")).as("the ban book after a resync that could not reach redis").isNotNull();
            assertThat(moat.unban("user:kept", "ops", "lifted during the outage")).isTrue();
        });

        moat.reloadBans();
        assertThat(bansInRedis(prefix, clock.nowMillis())).doesNotContain("user:kept");
        assertThat(moat.banOf("user:kept")).isNull();
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
