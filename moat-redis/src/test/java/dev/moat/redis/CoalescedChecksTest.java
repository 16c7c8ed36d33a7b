package dev.moat.redis;

import dev.moat.core.limit.LimitSpec;
import dev.moat.core.limit.Limiter;
import dev.moat.core.store.LimitCall;
import dev.moat.core.store.LimitOutcome;
import dev.moat.core.store.MemoryLimitStore;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import dev.moat.reliability.Poll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Coalescing (ConsumeBatcher): checks that arrive while a call is in flight leave together in one
 * consume script, and each answers exactly as if it had been a script of its own run in the
 * lane's order. Redis is held with CLIENT PAUSE (a script is a write) so the test decides what
 * waits in the lane, instead of hoping threads meet.
 */
class CoalescedChecksTest {
    private static final long NOW = 1_767_225_600_000L;
    private static RedisServers.Server server;
    private static RedisClient raw;
    private static StatefulRedisConnection<String, String> admin;

    @BeforeAll
    static void start() {
        server = RedisServers.standalone();
        raw = RedisClient.create(server.uri());
        admin = raw.connect();
    }

    @AfterAll
    static void stop() {
        admin.close();
        raw.shutdown();
        server.close();
    }

    /** CLIENT ... on the admin connection (WRITE pauses hold scripts, not this connection's CLIENT UNPAUSE). */
    private static void client(String... args) {
        CommandArgs<String, String> a = new CommandArgs<>(StringCodec.UTF8);
        for (String arg : args) {
            a.add(arg);
        }
        admin.sync().dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8), a);
    }

    /** Sends each check from its own thread, in order, each queued before the next is sent. */
    private static List<CompletableFuture<LimitOutcome[]>> queueInOrder(RedisLimitStore store, List<List<LimitCall>> checks,
                                                                      ExecutorService pool) throws InterruptedException {
        return queueInOrder(store, checks, new boolean[checks.size()], pool);
    }

    /** The same, check {@code i} a dry run when {@code dry[i]}. */
    private static List<CompletableFuture<LimitOutcome[]>> queueInOrder(RedisLimitStore store, List<List<LimitCall>> checks,
                                                                      boolean[] dry, ExecutorService pool) throws InterruptedException {
        List<CompletableFuture<LimitOutcome[]>> answers = new ArrayList<>();
        for (int i = 0; i < checks.size(); i++) {
            List<LimitCall> check = checks.get(i);
            boolean dryRun = dry[i];
            answers.add(CompletableFuture.supplyAsync(() -> store.consume(check, NOW, dryRun), pool));
            // the first is in flight (held by the pause), the others wait in the lane
            int queued = i;
            Poll.until(() -> queued == 0 ? store.batchCounts()[0] >= 1 : store.batchQueued(0) >= queued, 20_000, 1);
            assertThat(store.batchCounts()[0]).as("calls sent").isEqualTo(1);
            assertThat(store.batchQueued(0)).as("checks waiting in the lane").isEqualTo(i);
        }
        return answers;
    }

    @Test
    void checksQueuedBehindACallLeaveInOneScriptAndAnswerAsChecksInOrder() throws Exception {
        Limiter user = LimitSpec.gcra(3, 60_000, 3).limiter();
        Limiter ip = LimitSpec.gcra(2, 60_000, 2).limiter();
        Limiter window = LimitSpec.fixedWindow(2, 60_000).limiter();
        Limiter sliding = LimitSpec.slidingWindow(4, 60_000, 1_000).limiter();
        List<List<LimitCall>> checks = List.of(
                List.of(new LimitCall("msg|user:a", user, 1)),                                       // the one in flight
                List.of(new LimitCall("msg|user:a", user, 1), new LimitCall("msg|ip:1", ip, 1)),
                List.of(new LimitCall("msg|user:a", user, 1), new LimitCall("msg|ip:1", ip, 2)),    // refused by ip after spending user: refunded
                List.of(new LimitCall("msg|user:a", user, 1)),                                       // sees the refund: allowed
                List.of(new LimitCall("msg|user:a", user, 1)),                                       // user exhausted: refused
                List.of(new LimitCall("up|user:b", window, 1), new LimitCall("up|user:b2", sliding, 3)),
                List.of(new LimitCall("up|user:b", window, 1), new LimitCall("up|user:b2", sliding, 2)), // refused by sliding: window refunded
                List.of(new LimitCall("up|user:b", window, 2)));                                     // gets the refunded unit back
        MemoryLimitStore memory = new MemoryLimitStore();
        ExecutorService pool = Executors.newFixedThreadPool(checks.size());
        RedisConnection connection = RedisConnection.open(server.uri(), List.of(), 20_000);
        try (RedisLimitStore store = new RedisLimitStore(connection, "coalesce", RedisLimitStore.Options.defaults().withBatchInFlight(1))) {
            RedisCommands<String, String> sync = admin.sync();
            client("PAUSE", "30000", "WRITE");
            List<CompletableFuture<LimitOutcome[]>> answers;
            try {
                answers = queueInOrder(store, checks, pool);
            } finally {
                client("UNPAUSE");
            }
            for (int i = 0; i < checks.size(); i++) {
                assertThat(answers.get(i).get(20, TimeUnit.SECONDS)).as("check %s", i)
                        .containsExactly(memory.consume(checks.get(i), NOW, false));
            }
            // the held call, then everything that waited behind it in one
            assertThat(store.batchCounts()).containsExactly(2, checks.size());
            for (String key : List.of("msg|user:a", "msg|ip:1")) {
                Limiter l = key.contains("ip") ? ip : user;
                assertThat(store.consume(List.of(new LimitCall(key, l, 1)), NOW, true))
                        .as(key).containsExactly(memory.consume(List.of(new LimitCall(key, l, 1)), NOW, true));
            }
        } finally {
            pool.shutdownNow();
            connection.close();
        }
    }

    /**
     * A batch of GCRA calls only runs consume_gcra.lua, whose arguments name each distinct limit once
     * (ConsumeArgs): three limits shared by checks of one and two calls, a dry run among them, a
     * refusal after spending that is refunded, a cost past the burst, all as the memory store answers.
     */
    @Test
    void aBatchOfGcraChecksSharingLimitsAnswersAsChecksInOrder() throws Exception {
        Limiter user = LimitSpec.gcra(3, 60_000, 3).limiter();
        Limiter ip = LimitSpec.gcra(2, 60_000, 2).limiter();
        Limiter bytes = LimitSpec.gcra(1_000, 1_000, 500).limiter();
        List<List<LimitCall>> checks = List.of(
                List.of(new LimitCall("g|user:a", user, 1)),                                          // the one in flight
                List.of(new LimitCall("g|user:a", user, 1), new LimitCall("g|ip:1", ip, 1)),
                List.of(new LimitCall("g|bytes:a", bytes, 400), new LimitCall("g|ip:1", ip, 1)),     // limits in another order
                List.of(new LimitCall("g|user:a", user, 1), new LimitCall("g|ip:1", ip, 1)),        // dry run: spends nothing
                List.of(new LimitCall("g|user:a", user, 1), new LimitCall("g|ip:1", ip, 1)),        // refused by ip after user: refunded
                List.of(new LimitCall("g|user:a", user, 1)),                                          // sees the refund: allowed
                List.of(new LimitCall("g|bytes:b", bytes, 501)),                                      // past the burst: never
                List.of(new LimitCall("g|bytes:a", bytes, 100), new LimitCall("g|user:c", user, 2)));
        boolean[] dry = {false, false, false, true, false, false, false, false};
        MemoryLimitStore memory = new MemoryLimitStore();
        ExecutorService pool = Executors.newFixedThreadPool(checks.size());
        RedisConnection connection = RedisConnection.open(server.uri(), List.of(), 20_000);
        try (RedisLimitStore store = new RedisLimitStore(connection, "coalesce-gcra", RedisLimitStore.Options.defaults().withBatchInFlight(1))) {
            client("PAUSE", "30000", "WRITE");
            List<CompletableFuture<LimitOutcome[]>> answers;
            try {
                answers = queueInOrder(store, checks, dry, pool);
            } finally {
                client("UNPAUSE");
            }
            for (int i = 0; i < checks.size(); i++) {
                assertThat(answers.get(i).get(20, TimeUnit.SECONDS)).as("check %s", i)
                        .containsExactly(memory.consume(checks.get(i), NOW, dry[i]));
            }
            assertThat(store.batchCounts()).containsExactly(2, checks.size());
            for (LimitCall c : List.of(new LimitCall("g|user:a", user, 1), new LimitCall("g|ip:1", ip, 1),
                    new LimitCall("g|bytes:a", bytes, 1), new LimitCall("g|user:c", user, 1))) {
                assertThat(store.consume(List.of(c), NOW, true)).as(c.key())
                        .containsExactly(memory.consume(List.of(c), NOW, true));
            }
        } finally {
            pool.shutdownNow();
            connection.close();
        }
    }

    /** Arguments in consume.lua's layout make consume_gcra.lua answer an error at once, not loop. */
    @Test
    void theGcraScriptRefusesArgumentsOfTheGeneralLayout() {
        String[] general = {"5000", "1795287401345", "0", "1", "g", "1", "1000000", "1", "1000000000", "1000000000"};
        assertThatThrownBy(() -> admin.sync().eval(RedisLimitStore.consumeScript('g'), io.lettuce.core.ScriptOutputType.MULTI,
                new String[] {"layout{1}"}, general))
                .hasMessageContaining("not its layout");
        assertThat(admin.sync().ping()).isEqualTo("PONG");
    }

    @Test
    void aQueuedCheckWhoseCallerGaveUpIsNotSpentLater() throws Exception {
        Limiter limiter = LimitSpec.gcra(5, 60_000, 5).limiter();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        RedisConnection connection = RedisConnection.open(server.uri(), List.of(), 300);
        try (RedisLimitStore store = new RedisLimitStore(connection, "coalesce-late", RedisLimitStore.Options.defaults().withBatchInFlight(1))) {
            RedisCommands<String, String> sync = admin.sync();
            String held = store.keys().limit("late|user:held", 'g');
            String late = store.keys().limit("late|user:late", 'g');
            client("PAUSE", "1500", "WRITE");
            CompletableFuture<LimitOutcome[]> first = CompletableFuture.supplyAsync(
                    () -> store.consume(List.of(new LimitCall("late|user:held", limiter, 1)), NOW, false), pool);
            Poll.until(() -> store.batchCounts()[0] >= 1, 1_000, 1);
            // queued behind the held call; its caller gives up after the 300 ms timeout
            assertThatThrownBy(() -> store.consume(List.of(new LimitCall("late|user:late", limiter, 1)), NOW, false))
                    .isInstanceOf(RedisUnavailableException.class);
            assertThatThrownBy(() -> first.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(RedisUnavailableException.class);
            // once Redis resumes, the held call runs (it was sent: stricter, never looser), the late one never does
            Poll.until(() -> sync.exists(held) != 0, 10_000, 10);
            assertThat(sync.exists(held)).isEqualTo(1);
            assertThat(store.consume(List.of(new LimitCall("late|user:other", limiter, 1)), NOW, false)[0].allowed()).isTrue();
            assertThat(sync.exists(late)).as("the abandoned check spent nothing").isZero();
        } finally {
            pool.shutdownNow();
            connection.close();
        }
    }

    @Test
    void concurrentCallersAdmitExactlyTheBurstWithCoalescing() throws Exception {
        Limiter limiter = LimitSpec.gcra(50, 86_400_000, 50).limiter();
        Limiter second = LimitSpec.fixedWindow(30, 86_400_000).limiter();
        int threads = 16;
        RedisConnection connection = RedisConnection.open(server.uri(), List.of(), 10_000);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (RedisLimitStore store = new RedisLimitStore(connection, "coalesce-burst", RedisLimitStore.Options.defaults())) {
            AtomicInteger[] admitted = {new AtomicInteger(), new AtomicInteger(), new AtomicInteger()};
            List<CompletableFuture<Void>> runs = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int me = t;
                runs.add(CompletableFuture.runAsync(() -> {
                    for (int i = 0; i < 40; i++) {
                        int k = (me + i) % 3;
                        boolean ok;
                        if (k == 2) {
                            // two limits: the window (30) refuses first, refunding the GCRA unit
                            ok = store.consume(List.of(new LimitCall("burst|user:2", limiter, 1),
                                    new LimitCall("burst2|user:2", second, 1)), NOW, false)[1].allowed();
                        } else {
                            ok = store.consume(new LimitCall("burst|user:" + k, limiter, 1), NOW, false).allowed();
                        }
                        if (ok) {
                            admitted[k].incrementAndGet();
                        }
                    }
                }, pool));
            }
            for (CompletableFuture<Void> r : runs) {
                r.get(60, TimeUnit.SECONDS);
            }
            assertThat(admitted[0].get()).isEqualTo(50);
            assertThat(admitted[1].get()).isEqualTo(50);
            assertThat(admitted[2].get()).isEqualTo(30);
            long[] counts = store.batchCounts();
            assertThat(counts[1]).isEqualTo(threads * 40L);
            assertThat(counts[0]).isBetween(1L, counts[1]);
            // the refused two-limit checks gave their GCRA unit back: 20 of 50 left
            assertThat(store.consume(List.of(new LimitCall("burst|user:2", limiter, 1)), NOW, true)[0].remaining())
                    .isEqualTo(19);
        } finally {
            pool.shutdownNow();
            connection.close();
        }
    }
}
