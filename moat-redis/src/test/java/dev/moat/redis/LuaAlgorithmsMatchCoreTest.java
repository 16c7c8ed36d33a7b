package dev.moat.redis;

import dev.moat.core.limit.LimitSpec;
import dev.moat.core.limit.Limiter;
import dev.moat.core.limit.Step;
import dev.moat.core.store.LimitCall;
import dev.moat.core.store.LimitOutcome;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Lua scripts against the pure Java algorithms: random timelines (time mostly forward,
 * sometimes backwards, costs from 0 to past the burst, refunds through refused groups, dry runs)
 * go through both, and every answer (allowed, remaining, retry-after, reset) and every stored
 * state must be identical.
 */
class LuaAlgorithmsMatchCoreTest {
    private static RedisServers.Server server;
    private static RedisConnection connection;
    private static RedisLimitStore store;
    private static RedisClient raw;
    private static StatefulRedisConnection<String, String> rawConnection;

    @BeforeAll
    static void start() {
        server = RedisServers.shared();
        connection = RedisConnection.open(server.uri(), List.of(), 5_000);
        store = new RedisLimitStore(connection, "lua-match", RedisLimitStore.Options.defaults().withGlobalSlices(false));
        raw = RedisClient.create(server.uri());
        rawConnection = raw.connect();
    }

    @AfterAll
    static void stop() {
        store.close();
        connection.close();
        rawConnection.close();
        raw.shutdown();
    }

    private static List<LimitSpec> specs(Random rnd) {
        List<LimitSpec> specs = new ArrayList<>();
        long[][] gcra = {
            {1, 1_000, 1}, {3, 1_000, 3}, {7, 300_000, 7}, {10, 60_000, 1}, {10, 60_000, 25}, {100, 86_400_000, 100},
            {20L * 1024 * 1024, 3_600_000, 20L * 1024 * 1024}, {40, 60_000, 40}, {1_000, 1_000, 1_000}, {3, 7, 5},
            {1L << 30, 86_400_000, 1L << 30}, {999_983, 1_000, 999_983}, {5, 2_000_003, 2},
        };
        for (long[] g : gcra) {
            specs.add(LimitSpec.gcra(g[0], g[1], g[2]));
        }
        specs.add(LimitSpec.fixedWindow(1, 1_000));
        specs.add(LimitSpec.fixedWindow(5, 1_000));
        specs.add(LimitSpec.fixedWindow(40, 60_000));
        specs.add(LimitSpec.fixedWindow(7, 300_000));
        specs.add(LimitSpec.slidingWindow(1, 1_000, 100));
        specs.add(LimitSpec.slidingWindow(5, 1_000, 0));
        specs.add(LimitSpec.slidingWindow(5, 1_000, 7));
        specs.add(LimitSpec.slidingWindow(40, 60_000, 0));
        specs.add(LimitSpec.slidingWindow(10, 1_000, 1_000));
        specs.add(LimitSpec.slidingWindow(10, 999, 1));
        for (int i = 0; i < 8; i++) {
            long max = 1 + rnd.nextInt(50);
            long per = 1 + rnd.nextInt(120_000);
            switch (rnd.nextInt(3)) {
                case 0 -> specs.add(LimitSpec.gcra(max, per, 1 + rnd.nextInt((int) max * 2)));
                case 1 -> specs.add(LimitSpec.fixedWindow(max, per));
                default -> specs.add(LimitSpec.slidingWindow(max, per, Math.max(per / 3600 + 1, 1 + rnd.nextInt((int) per))));
            }
        }
        return specs;
    }

    @Test
    void randomTimelinesGiveTheSameAnswersAndStates() {
        Random rnd = new Random(20260101L);
        RedisCommands<String, String> sync = rawConnection.sync();
        // a refuser: a limit that can never admit cost 2, to make a group refuse after spending
        Limiter never = LimitSpec.fixedWindow(1, 1_000).limiter();
        // the same as GCRA (cost 2 is past its burst), so GCRA-only groups run consume_gcra.lua's refund
        Limiter neverGcra = LimitSpec.gcra(1, 1_000, 1).limiter();
        int specNo = 0;
        int steps = 0;
        for (LimitSpec spec : specs(rnd)) {
            Limiter limiter = spec.limiter();
            String key = "test.limit" + specNo++ + "|user:" + rnd.nextInt(1_000_000);
            String redisKey = store.keys().limit(key, LimitArgs.of(spec).algorithm);
            long now = 1_767_225_600_000L + rnd.nextInt(1_000_000);
            long[] state = null;
            long unit = Math.max(1, spec.perMillis() / spec.max());
            for (int i = 0; i < 120; i++) {
                steps++;
                int move = rnd.nextInt(10);
                if (move < 6) {
                    now += rnd.nextInt((int) Math.min(Integer.MAX_VALUE, unit * 2 + 1));
                } else if (move < 8) {
                    now += rnd.nextInt((int) Math.min(Integer.MAX_VALUE, spec.perMillis() + 1));
                } else if (move == 8) {
                    now -= rnd.nextInt((int) Math.min(Integer.MAX_VALUE, unit + 1)); // the clock steps back
                }
                long capacity = spec.burst();
                long cost = switch (rnd.nextInt(8)) {
                    case 0 -> 0;
                    case 1 -> capacity + rnd.nextInt(3);
                    case 2 -> Math.max(1, capacity / 2 + rnd.nextInt((int) Math.min(1000, capacity)));
                    default -> 1 + rnd.nextInt((int) Math.min(3, capacity));
                };
                int kind = rnd.nextInt(6);
                String what = spec + " step " + i + " at " + now + " cost " + cost + " kind " + kind + " state "
                        + java.util.Arrays.toString(state);
                if (kind == 0) {
                    // dry run
                    LimitOutcome o = store.consume(List.of(new LimitCall(key, limiter, cost)), now, true)[0];
                    assertSame(o, limiter.consume(state, now, cost), what);
                } else if (kind == 1) {
                    // spent, then refunded because the next call refuses
                    Limiter refuser = rnd.nextBoolean() ? never : neverGcra;
                    LimitOutcome[] o = store.consume(List.of(new LimitCall(key, limiter, cost),
                            new LimitCall("test.never|x", refuser, 2)), now, false);
                    Step s = limiter.consume(state, now, cost);
                    assertSame(o[0], s, what);
                    if (s.allowed()) {
                        long[] spent = s.state();
                        long[] back = limiter.refund(spent, now, cost);
                        state = back == null || limiter.isIdle(back, now) ? null : back;
                    }
                } else {
                    LimitOutcome o = store.consume(List.of(new LimitCall(key, limiter, cost)), now, false)[0];
                    Step s = limiter.consume(state, now, cost);
                    assertSame(o, s, what);
                    if (s.allowed()) {
                        state = limiter.isIdle(s.state(), now) ? null : s.state();
                    }
                }
                assertStored(sync.get(redisKey), state, spec, now, what);
            }
        }
        assertThat(steps).isGreaterThan(3_000);
    }

    private static void assertSame(LimitOutcome redis, Step java, String what) {
        assertThat(new LimitOutcome(redis.allowed(), redis.remaining(), redis.retryAfterMillis(), redis.resetMillis()))
                .as(what)
                .isEqualTo(new LimitOutcome(java.allowed(), java.remaining(), java.retryAfterMillis(), java.resetMillis()));
    }

    /** The Redis value is the Java state in text; an idle Java state is an absent key. */
    private static void assertStored(String value, long[] state, LimitSpec spec, long now, String what) {
        if (state == null) {
            assertThat(value).as("idle state is deleted: " + what).isNull();
            return;
        }
        assertThat(value).as("state of " + what).isNotNull();
        long[] parsed = switch (spec.algorithm()) {
            case GCRA -> new long[] {Long.parseLong(value)};
            case FIXED_WINDOW -> java.util.Arrays.stream(value.split(":")).mapToLong(Long::parseLong).toArray();
            case SLIDING_WINDOW -> {
                String[] p = value.split(":");
                List<Long> l = new ArrayList<>(List.of(Long.parseLong(p[0]), Long.parseLong(p[1])));
                for (String c : p[2].split(",")) {
                    l.add(Long.parseLong(c));
                }
                yield l.stream().mapToLong(Long::longValue).toArray();
            }
        };
        assertThat(parsed).as("state of " + what).containsExactly(state);
    }

    @Test
    void stateKeysExpireWhenTheirStateIsBackToFull() {
        Limiter l = LimitSpec.gcra(10, 60_000).limiter();
        long now = 1_767_225_600_000L;
        String key = "test.ttl|user:ttl";
        store.consume(List.of(new LimitCall(key, l, 3)), now, false);
        String redisKey = store.keys().limit(key, 'g');
        Long ttl = rawConnection.sync().pttl(redisKey);
        // three units of 6 s each: idle 18 s after now, plus the 5 s slack for clock skew, counted
        // from the write (relative, so the offset between this clock and Redis's does not matter)
        assertThat(ttl).isBetween(22_000L, 23_000L);
    }
}
