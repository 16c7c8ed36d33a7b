package dev.moat.redis;

import dev.moat.core.limit.LimitSpec;
import dev.moat.core.limit.Limiter;
import dev.moat.core.store.LimitCall;
import dev.moat.core.store.LimitOutcome;
import dev.moat.core.store.LimitStore;
import dev.moat.core.store.LimitStoreContract;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shared limit-store contract against a real three-master Redis Cluster: groups whose keys
 * live on different nodes run the cluster path (parallel per-slot scripts, refunds on refusal).
 * Plus the order a check's limits must keep there: the global budget is spent only after every
 * per-target limit passed, with slices and without.
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

    private List<LimitCall> check(String user, String ip, Limiter perUser, Limiter perIp, Limiter global, String run) {
        return List.of(new LimitCall("client.target.message|user:" + user + run, perUser, 1),
                new LimitCall("client.target.message[1]|ip:" + ip + run, perIp, 1),
                new LimitCall("client.global.message." + run + "|*", global, 1));
    }

    private void theGlobalIsSpentOnlyAfterEveryTargetPassed(RedisLimitStore s) {
        String run = UUID.randomUUID().toString();
        Limiter perUser = LimitSpec.gcra(100, DAY).limiter();
        Limiter perIp = LimitSpec.fixedWindow(2, DAY).limiter();
        Limiter global = LimitSpec.fixedWindow(5, DAY).limiter();
        assertThat(connection.slot("{moat:v1:user:a" + run + "}")).as("the targets live on different slots")
                .isNotEqualTo(connection.slot("{moat:v1:ip:203.0.113.7" + run + "}"));
        // the address allows 2: the third check is refused there, and neither the user's limit
        // nor the global budget may keep anything of it
        for (int i = 0; i < 2; i++) {
            assertThat(s.consume(check("a", "203.0.113.7", perUser, perIp, global, run), now, false))
                    .allMatch(LimitOutcome::allowed);
        }
        for (int i = 0; i < 3; i++) {
            LimitOutcome[] refused = s.consume(check("a", "203.0.113.7", perUser, perIp, global, run), now, false);
            assertThat(refused[1].allowed()).isFalse();
        }
        // the global budget (5) has 3 left: three more checks from fresh addresses pass, the next is refused
        for (int i = 0; i < 3; i++) {
            assertThat(s.consume(check("b" + i, "198.51.100." + i, perUser, perIp, global, run), now, false))
                    .allMatch(LimitOutcome::allowed);
        }
        LimitOutcome[] full = s.consume(check("c", "192.0.2.1", perUser, perIp, global, run), now, false);
        assertThat(full[2].allowed()).isFalse();
        // ... and that refusal by the global budget gave the user and address back what they spent
        LimitOutcome user = s.consume(List.of(new LimitCall("client.target.message|user:c" + run, perUser, 1)), now, true)[0];
        assertThat(user.remaining()).isEqualTo(99 - 0 - 1 + 1);
        LimitOutcome ip = s.consume(List.of(new LimitCall("client.target.message[1]|ip:192.0.2.1" + run, perIp, 1)), now, true)[0];
        assertThat(ip.remaining()).isEqualTo(1);
    }

    /**
     * Coalescing in a cluster: a batch may only hold keys of one slot, so checks are coalesced per
     * slot (subjects on other slots, on other nodes, never share a call) and a check spanning slots
     * is split by slot as before. Concurrent callers still admit exactly each limit.
     */
    @Test
    void concurrentChecksAreCoalescedPerSlotAndStayExact() throws Exception {
        String run = UUID.randomUUID().toString();
        Limiter limiter = LimitSpec.gcra(40, DAY, 40).limiter();
        String[] subjects = {"user:a" + run, "user:b" + run, "ip:203.0.113.9" + run};
        assertThat(connection.slot("{moat:v1:" + subjects[0] + "}")).isNotEqualTo(connection.slot("{moat:v1:" + subjects[1] + "}"));
        int threads = 12;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try (RedisLimitStore s = new RedisLimitStore(connection, "moat", RedisLimitStore.Options.defaults().withGlobalSlices(false))) {
            java.util.concurrent.atomic.AtomicInteger[] admitted = new java.util.concurrent.atomic.AtomicInteger[subjects.length + 1];
            for (int i = 0; i < admitted.length; i++) {
                admitted[i] = new java.util.concurrent.atomic.AtomicInteger();
            }
            List<java.util.concurrent.Future<?>> runs = new java.util.ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int me = t;
                runs.add(pool.submit(() -> {
                    for (int i = 0; i < 30; i++) {
                        int k = (me + i) % (subjects.length + 1);
                        if (k < subjects.length) {
                            if (s.consume(new LimitCall("c.one|" + subjects[k], limiter, 1), now, false).allowed()) {
                                admitted[k].incrementAndGet();
                            }
                        } else {
                            // two subjects on two slots: split by slot, each group through its slot's lane
                            LimitOutcome[] o = s.consume(List.of(new LimitCall("c.two|" + subjects[0], limiter, 1),
                                    new LimitCall("c.two|" + subjects[1], limiter, 1)), now, false);
                            if (o[0].allowed() && o[1].allowed()) {
                                admitted[k].incrementAndGet();
                            }
                        }
                    }
                }));
            }
            for (java.util.concurrent.Future<?> r : runs) {
                r.get(60, java.util.concurrent.TimeUnit.SECONDS);
            }
            for (java.util.concurrent.atomic.AtomicInteger a : admitted) {
                assertThat(a.get()).isEqualTo(40);
            }
            long[] counts = s.batchCounts();
            assertThat(counts[0]).isBetween(1L, counts[1]);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theGlobalBudgetIsSpentOnlyAfterEveryTargetPassedWithoutSlices() {
        try (RedisLimitStore s = new RedisLimitStore(connection, "moat", RedisLimitStore.Options.defaults().withGlobalSlices(false))) {
            theGlobalIsSpentOnlyAfterEveryTargetPassed(s);
        }
    }

    @Test
    void theGlobalBudgetIsSpentOnlyAfterEveryTargetPassedWithSlices() {
        try (RedisLimitStore s = new RedisLimitStore(connection, "moat", RedisLimitStore.Options.defaults().withSweeper(false))) {
            theGlobalIsSpentOnlyAfterEveryTargetPassed(s);
        }
    }
}
