package dev.moat.bench;

import dev.moat.core.limit.LimitSpec;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.RedisAsyncCommands;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The floor of any Lettuce-based client for this check, for comparison only: the EVALSHA of Moat's
 * consume script with the same arguments (the caller's now, then the limit's), sent from the same
 * threads over one Lettuce connection with default options and waited for with a timeout, and
 * nothing else: no key layout, no outcome objects, no failover. What Moat's side costs beyond this
 * is Moat's own code; what this costs beyond redis-benchmark is the client library and the
 * hand-off between the callers and Lettuce's event loop.
 */
final class LettuceEvalshaSide implements RedisSide {
    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;
    private final RedisAsyncCommands<String, String> async;
    private final String sha;
    private final String[][] keys;
    private final String[] limitArgs;

    LettuceEvalshaSide(String hostPort, String keyPrefix, String[] subjects, LimitSpec spec, String sha) {
        this.client = RedisClient.create(RedisURI.create("redis://" + hostPort));
        this.connection = client.connect();
        this.async = connection.async();
        this.sha = sha;
        this.keys = new String[subjects.length][];
        for (int i = 0; i < subjects.length; i++) {
            keys[i] = new String[] {"{" + keyPrefix + ":v1:" + subjects[i] + "}:l:g:" + MoatRedisSide.LIMIT_ID};
        }
        this.limitArgs = MoatScriptForRedisBenchmark.args(0, spec);
    }

    @Override
    public String name() {
        return "lettuce";
    }

    @Override
    public boolean check(int keyIndex) {
        String[] args = limitArgs.clone();
        args[MoatScriptForRedisBenchmark.NOW_INDEX] = Long.toString(System.currentTimeMillis());
        try {
            List<Object> reply = async.<List<Object>>evalsha(sha, ScriptOutputType.MULTI, keys[keyIndex], args)
                    .get(250, TimeUnit.MILLISECONDS);
            return ((Long) reply.get(0)) == 1L;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new IllegalStateException("redis failed: " + e, e);
        }
    }

    /** The same EVALSHA, its reply taken where Lettuce completes it. */
    @Override
    public java.util.concurrent.CompletionStage<Boolean> checkAsync(int keyIndex) {
        String[] args = limitArgs.clone();
        args[MoatScriptForRedisBenchmark.NOW_INDEX] = Long.toString(System.currentTimeMillis());
        return async.<List<Object>>evalsha(sha, ScriptOutputType.MULTI, keys[keyIndex], args)
                .thenApply(reply -> ((Long) reply.get(0)) == 1L);
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
