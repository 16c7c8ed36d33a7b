package dev.moat.redis;

import dev.moat.core.CheckRequest;
import dev.moat.core.Decision;
import dev.moat.core.Moat;
import dev.moat.core.MoatListener;
import dev.moat.core.Reason;
import dev.moat.core.ban.Ban;
import dev.moat.core.ban.BanSource;
import dev.moat.core.ban.LogEntry;
import dev.moat.core.limit.LimitSpec;
import dev.moat.core.limit.Limiter;
import dev.moat.core.store.LeaseGrant;
import dev.moat.core.store.LimitCall;
import dev.moat.core.store.LimitOutcome;
import dev.moat.core.store.LimitStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.moat.core.policy.By;
import dev.moat.core.policy.LimitConfig;
import dev.moat.core.policy.MoatPolicy;
import dev.moat.core.policy.RateLimits;
import dev.moat.core.policy.RealmLimits;

/**
 * Redis killed with SIGKILL while several threads drive requests, then restarted on the same
 * port: no exception reaches a caller, limits fall back as configured, the stores return to Redis
 * without a restart, and every ban acknowledged while Redis was down is in Redis afterwards.
 * The server runs with appendonly/appendfsync always, as docs/redis.md recommends, so what was
 * acknowledged before the kill survives it too.
 */
class RedisFailoverTest {
    /** The test pins its own limit (LibreChat's 40 messages a minute per user) instead of a preset's. */
    private static final MoatPolicy FORTY_MESSAGES_A_MINUTE = MoatPolicy.defaults().withRateLimits(new RateLimits("none",
            new RealmLimits(java.util.Map.of("message", List.of(LimitConfig.of(LimitSpec.gcra(40, 60_000), By.USER))),
                    java.util.Map.of(), java.util.Map.of()), RealmLimits.EMPTY, List.of()));

    @TempDir
    Path dataDir;
    private RedisOutageRig rig;
    private RedisServers.Server server;

    @BeforeEach
    void start() {
        rig = new RedisOutageRig();
        server = rig.server();
    }

    @AfterEach
    void stop() throws Exception {
        rig.close();
    }

    private RedisStores open(String prefix, String onFailure, Path dir) {
        return rig.open(prefix, onFailure, dir);
    }

    private static void waitUntil(Duration limit, BooleanSupplier condition, String what) {
        RedisOutageRig.waitUntil(limit, condition, what);
    }

    /** The bans Redis itself holds, read through a connection of its own. */
    private List<Ban> bansInRedis(String prefix) {
        return rig.bansInRedis(prefix, System.currentTimeMillis());
    }

    @Test
    void killedDuringLoadTheLocalFallbackCountsAndEveryAcknowledgedBanReachesRedis() throws Exception {
        String prefix = "failover-" + UUID.randomUUID();
        RedisStores stores = open(prefix, "local", dataDir);
        Moat moat = Moat.builder().policy(FORTY_MESSAGES_A_MINUTE).limitStore(stores.limitStore())
                .stateStore(stores.stateStore()).build();
        rig.closeLater(stores.propagation(moat));
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        Set<String> acknowledgedWhileDown = ConcurrentHashMap.newKeySet();
        moat.addListener(new MoatListener() {
            @Override
            public void onBanStarted(Ban ban) {
                acknowledged.add(ban.subject());
                if (!stores.redisUp()) {
                    acknowledgedWhileDown.add(ban.subject());
                }
            }
        });
        moat.ban("user:before", Duration.ofHours(1).toMillis(), "before the outage", "ops-key");

        // load: every thread walks through users and addresses, each sent past its message
        // limit (40 a minute), so violations are scored and bans start all along
        AtomicBoolean running = new AtomicBoolean(true);
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger decisions = new AtomicInteger();
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            int thread = t;
            Thread th = new Thread(() -> {
                int i = 0;
                while (running.get()) {
                    try {
                        int who = i / 70;
                        Decision d = moat.check(CheckRequest.builder("message").user("load" + thread + "-" + who)
                                .ip("10." + thread + "." + (who / 250 % 250) + "." + (who % 250 + 1)).build());
                        assertThat(d).isNotNull();
                        decisions.incrementAndGet();
                    } catch (Throwable e) {
                        failures.add(e);
                    }
                    i++;
                }
            }, "load-" + t);
            threads.add(th);
            th.start();
        }
        waitUntil(Duration.ofSeconds(20), () -> acknowledged.size() > 4, "bans under load");

        server.kill();
        waitUntil(Duration.ofSeconds(10), () -> stores.fallbackActive() && !stores.redisUp(), "fallback");
        assertThat(stores.health()).contains("redis down").contains("on_failure local");

        // the fallback counts in memory: a fresh user gets exactly the 40 of the minute
        int allowed = 0;
        for (int i = 0; i < 45; i++) {
            if (moat.check(CheckRequest.builder("message").user("probe").ip("192.0.2.99").build()).allowed()) {
                allowed++;
            }
        }
        assertThat(allowed).isEqualTo(40);
        moat.ban("user:during", Duration.ofHours(1).toMillis(), "made while redis was down", "ops-key");
        waitUntil(Duration.ofSeconds(20), () -> acknowledgedWhileDown.size() > 4, "bans acknowledged during the outage");
        assertThat(stores.pendingReplay()).isPositive();
        assertThat(Files.readAllLines(dataDir.resolve(ReplayQueue.FILE_NAME))).as("kept on disk too").isNotEmpty();

        server.restart();
        waitUntil(Duration.ofSeconds(20), () -> stores.redisUp() && stores.pendingReplay() == 0, "recovery");
        int before = decisions.get();
        waitUntil(Duration.ofSeconds(10), () -> decisions.get() > before + 100, "load continuing on redis");
        running.set(false);
        for (Thread th : threads) {
            th.join();
        }
        assertThat(failures).as("no exception reached a caller").isEmpty();
        assertThat(stores.fallbackActive()).isFalse();

        Set<String> inRedis = bansInRedis(prefix).stream().map(Ban::subject).collect(Collectors.toSet());
        assertThat(inRedis).as("made before the kill, kept by appendfsync always").contains("user:before");
        assertThat(inRedis).as("every ban acknowledged while redis was down").containsAll(acknowledgedWhileDown);
        assertThat(inRedis).as("every ban acknowledged at all").containsAll(acknowledged);
        assertThat(Files.readAllLines(dataDir.resolve(ReplayQueue.FILE_NAME))).as("replayed, then emptied").isEmpty();

        // the limits are back in Redis: a key spent now is there
        LimitOutcome o = stores.limitStore().consume(List.of(new LimitCall("t.after|user:x", LimitSpec.gcra(5, 60_000).limiter(), 1)),
                System.currentTimeMillis(), false)[0];
        assertThat(o.remaining()).isEqualTo(4);
        assertThat(server.command("EXISTS", stores.redisLimitStore().keys().limit("t.after|user:x", 'g'))).isEqualTo("1");
    }

    private static LimitOutcome spend(LimitStore store, Limiter limiter) {
        return store.consume(List.of(new LimitCall("t.one|user:y", limiter, 1)), System.currentTimeMillis(), false)[0];
    }

    @Test
    void allowAdmitsEverythingWhileRedisIsDownAndCountsAgainAfter() {
        RedisStores stores = open("allow-" + UUID.randomUUID(), "allow", null);
        Limiter once = LimitSpec.fixedWindow(1, 3_600_000).limiter();
        assertThat(spend(stores.limitStore(), once).allowed()).isTrue();
        assertThat(spend(stores.limitStore(), once).allowed()).isFalse();
        server.kill();
        for (int i = 0; i < 5; i++) {
            assertThat(spend(stores.limitStore(), once).allowed()).isTrue();
        }
        LeaseGrant lease = stores.limitStore().acquireLease("t.c|user:y", 1, 60_000, System.currentTimeMillis());
        assertThat(lease.allowed()).isTrue();
        stores.limitStore().releaseLease(lease.leaseId(), System.currentTimeMillis());
        assertThat(stores.health()).contains("on_failure allow");
        server.restart();
        waitUntil(Duration.ofSeconds(20), stores::redisUp, "recovery");
        assertThat(spend(stores.limitStore(), once).allowed()).as("the window from before the kill, kept by the AOF").isFalse();
    }

    @Test
    void denyRefusesEverythingWithARetryWhileRedisIsDown() {
        RedisStores stores = open("deny-" + UUID.randomUUID(), "deny", null);
        Limiter many = LimitSpec.gcra(1000, 3_600_000).limiter();
        assertThat(spend(stores.limitStore(), many).allowed()).isTrue();
        server.kill();
        for (int i = 0; i < 5; i++) {
            LimitOutcome o = spend(stores.limitStore(), many);
            assertThat(o.allowed()).isFalse();
            assertThat(o.retryAfterMillis()).isEqualTo(50);
        }
        assertThat(stores.limitStore().acquireLease("t.c|user:y", 5, 60_000, System.currentTimeMillis()).allowed()).isFalse();
        assertThat(stores.health()).contains("on_failure deny");
        server.restart();
        waitUntil(Duration.ofSeconds(20), stores::redisUp, "recovery");
        assertThat(spend(stores.limitStore(), many).allowed()).isTrue();
    }

    @Test
    void aBanAcknowledgedDuringAnOutageSurvivesACrashOfTheNodeThroughTheReplayFile() {
        String prefix = "crash-" + UUID.randomUUID();
        RedisStores first = open(prefix, "local", dataDir);
        server.kill();
        long now = System.currentTimeMillis();
        Ban ban = new Ban("user:crash", "made during the outage", "manual", BanSource.MANUAL, now, now + 3_600_000, 0, "ops");
        first.stateStore().putBan(ban);
        first.stateStore().addScore("user:crash", "logins", 3, now, 0);
        assertThat(first.pendingReplay()).isEqualTo(2);
        // the node dies before Redis returns: nothing is replayed by it
        first.redisHealth().close();
        first.close();
        rig.forget(first);

        server.restart();
        RedisStores second = open(prefix, "local", dataDir);
        waitUntil(Duration.ofSeconds(20), () -> second.redisUp() && second.pendingReplay() == 0, "replay after restart");
        assertThat(bansInRedis(prefix)).contains(ban);
        assertThat(second.stateStore().scores("user:crash", now, 0)).containsEntry("logins", 3.0);
        Moat moat = Moat.builder().limitStore(second.limitStore()).stateStore(second.stateStore()).build();
        Decision d = moat.check(CheckRequest.builder("message").user("crash").build());
        assertThat(d.reason()).isEqualTo(Reason.BANNED);
    }

    /**
     * A violation acknowledged while Redis is down goes to the stand-in and to the replay queue
     * as one write (its score and its log line), and lands in Redis once: one score, one line.
     * Nothing is written before the outage: a write that times out under load while Redis is up
     * is queued too, and would be counted here.
     */
    @Test
    void aViolationAcknowledgedDuringAnOutageIsReplayedExactlyOnce() {
        String prefix = "violation-" + UUID.randomUUID();
        RedisStores stores = open(prefix, "local", dataDir);
        Moat moat = Moat.builder().limitStore(stores.limitStore()).stateStore(stores.stateStore()).build();

        rig.kill(stores);
        moat.reportViolation("spam", "offender", null, 2.0, "during the outage");
        assertThat(stores.pendingReplay()).as("its score and its log line").isEqualTo(2);
        rig.restart(stores);

        long now = System.currentTimeMillis();
        try (RedisConnection c = RedisConnection.open(server.uri(), List.of(), 5_000)) {
            RedisStateStore inRedis = new RedisStateStore(c, prefix);
            assertThat(inRedis.scores("user:offender", now, 0).get("spam")).isCloseTo(2.0, within(0.01));
            List<String> lines = inRedis.log("user:offender", null, 10).items().stream()
                    .filter(e -> e.kind() == LogEntry.Kind.VIOLATION).map(LogEntry::detail).toList();
            assertThat(lines).containsExactly("during the outage");
        }
    }

    @Test
    void startingWhileRedisIsDownServesFromTheFallbackThenSwitchesToRedis() {
        server.kill();
        RedisStores stores = open("late-" + UUID.randomUUID(), "local", null);
        assertThat(stores.redisUp()).isFalse();
        Limiter two = LimitSpec.gcra(2, 3_600_000).limiter();
        assertThat(spend(stores.limitStore(), two).allowed()).isTrue();
        server.restart();
        waitUntil(Duration.ofSeconds(20), stores::redisUp, "connected later");
        LimitOutcome o = spend(stores.limitStore(), two);
        assertThat(o.allowed()).isTrue();
        assertThat(o.remaining()).as("counted in redis now, from empty").isEqualTo(1);
    }
}
