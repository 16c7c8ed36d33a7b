package dev.moat.bench;

import dev.moat.core.limit.LimitSpec;
import dev.moat.core.store.LimitOutcome;
import dev.moat.redis.RedisLimitStore;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * What {@code redis-benchmark} runs as the ceiling of Moat's Redis path: Moat's own consume script
 * (the text moat-redis sends for a group of GCRA calls, {@code consume_gcra.lua}, as
 * {@code RedisLimitStore.consumeScript('g')} returns it), loaded with SCRIPT LOAD, and the arguments Moat sends for one check of one
 * GCRA limit, with the caller's "now" fixed (redis-benchmark repeats one command line).
 *
 * <p>Before printing, it proves the equivalence on the live Redis: Moat's store and a plain
 * EVALSHA with these arguments, at the same instant on two fresh keys, twice, must answer the same
 * four numbers and leave the same stored state with the same time to live; and the SHA must be the
 * one Moat's calls left in the script cache.
 */
final class MoatScriptForRedisBenchmark {
    /** Moat's default expiry slack (RedisLimitStore.Options.defaults), the third argument. */
    private static final long SLACK_MILLIS = 5_000;

    private MoatScriptForRedisBenchmark() {
    }

    /** Prints SHA, KEY_HOT, KEY_MANY and ARGS lines for bench/run.sh, or fails if not equivalent. */
    static void print(String hostPort, String keyPrefix, LimitSpec spec) {
        String body = RedisLimitStore.consumeScript('g');
        String[] subjects = {"ip:equivalence-moat"};
        try (MoatRedisSide moat = new MoatRedisSide(hostPort, keyPrefix, subjects, spec);
             RedisCommandStats stats = new RedisCommandStats(hostPort)) {
            RedisCommands<String, String> redis = stats.connection().sync();
            String moatKey = moat.redisKey(subjects[0]);
            String plainKey = moat.redisKey("ip:equivalence-plain");
            redis.del(moatKey, plainKey);
            long now = System.currentTimeMillis();
            String[] args = args(now, spec);
            String sha = null;
            for (int round = 0; round < 2; round++) {
                LimitOutcome m = moat.checkAt(0, now);
                if (sha == null) {
                    String local = sha1(body);
                    require(redis.scriptExists(local).get(0), "Moat's check did not leave script " + local + " in the cache");
                    sha = redis.scriptLoad(body);
                    require(sha.equals(local), "SCRIPT LOAD gave " + sha + ", Moat runs " + local);
                }
                List<Object> plain = redis.evalsha(sha, ScriptOutputType.MULTI, new String[] {plainKey}, args);
                List<Object> fromMoat = List.of(m.allowed() ? 1L : 0L, m.remaining(), m.retryAfterMillis(), m.resetMillis());
                require(fromMoat.equals(plain), "replies differ: moat " + fromMoat + ", plain EVALSHA " + plain);
                require(redis.get(moatKey).equals(redis.get(plainKey)),
                        "states differ: moat " + redis.get(moatKey) + ", plain " + redis.get(plainKey));
                long ttlMoat = redis.pttl(moatKey);
                long ttlPlain = redis.pttl(plainKey);
                require(Math.abs(ttlMoat - ttlPlain) < 1_000, "expiries differ: " + ttlMoat + " and " + ttlPlain + " ms");
            }
            require(moat.outages() == 0, "moat answered from its fallback, not from redis");
            redis.del(moatKey, plainKey);
            System.out.println("# Moat's consume script and the arguments of one check of one GCRA limit ("
                    + spec.max() + " per " + spec.perMillis() + " ms, burst " + spec.burst() + "): equivalent to Moat's store, checked");
            System.out.println("SHA " + sha);
            System.out.println("SCRIPT_BYTES " + body.getBytes(StandardCharsets.UTF_8).length);
            System.out.println("KEY_HOT " + moat.redisKey(RedisThroughput.HOT_SUBJECT));
            System.out.println("KEY_MANY " + moat.redisKey("ip:__rand_int__"));
            System.out.println("ARGS " + String.join(" ", args));
        }
    }

    /** Loads Moat's consume script (SCRIPT LOAD) and returns its SHA. */
    static String load(RedisCommandStats redis) {
        return redis.connection().sync().scriptLoad(RedisLimitStore.consumeScript('g'));
    }

    /** Where {@link #args} puts the check's "now" (a caller that re-stamps the arguments writes it there). */
    static final int NOW_INDEX = 6;

    /**
     * The ARGV of consume_gcra.lua for one check of one call (docs/redis.md): slack, the number of
     * limits (1) and the limit's four (GCRA's M, P, tolerance, burst, with max/per reduced to lowest
     * terms M/P as moat-redis's LimitArgs does), then the check's now and number of calls (1), then
     * the call's limit number (1) and cost (1). The equivalence check above catches any divergence.
     */
    static String[] args(long nowMillis, LimitSpec spec) {
        long g = gcd(spec.max(), spec.perMillis());
        long m = spec.max() / g;
        long p = spec.perMillis() / g;
        return new String[] {Long.toString(SLACK_MILLIS), "1", Long.toString(m), Long.toString(p),
                Long.toString(Math.multiplyExact(spec.burst(), p)), Long.toString(spec.burst()),
                Long.toString(nowMillis), "1", "1", "1"};
    }

    private static long gcd(long a, long b) {
        while (b != 0) {
            long t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    private static String sha1(String body) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(body.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException("redis-benchmark's script is not equivalent to Moat's check: " + what);
        }
    }
}
