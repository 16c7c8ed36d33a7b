package dev.moat.bench;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Redis's own count of the commands it executed ({@code INFO commandstats}) and of its CPU time
 * ({@code INFO cpu}), read before and after a run: proves that each side's calls reached Redis and
 * shows how many commands, and how much of Redis's core, one call costs.
 */
final class RedisCommandStats implements AutoCloseable {
    private static final Pattern LINE = Pattern.compile("^cmdstat_([a-z|_]+):calls=(\\d+),usec=(\\d+)", Pattern.MULTILINE);

    private final RedisClient client;
    private final StatefulRedisConnection<String, String> connection;

    RedisCommandStats(String hostPort) {
        this.client = RedisClient.create(RedisURI.create("redis://" + hostPort));
        this.connection = client.connect();
    }

    /** Command name to {calls, microseconds spent in it}. */
    Map<String, long[]> read() {
        Map<String, long[]> stats = new HashMap<>();
        Matcher m = LINE.matcher(connection.sync().info("commandstats"));
        while (m.find()) {
            stats.put(m.group(1), new long[] {Long.parseLong(m.group(2)), Long.parseLong(m.group(3))});
        }
        return stats;
    }

    /** CPU seconds (user + system, all threads) the redis-server process has used since it started. */
    double cpuSeconds() {
        String info = connection.sync().info("cpu");
        return field(info, "used_cpu_user") + field(info, "used_cpu_sys");
    }

    private static double field(String info, String name) {
        Matcher m = Pattern.compile("^" + name + ":([0-9.]+)", Pattern.MULTILINE).matcher(info);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }

    /** {calls, microseconds} of {@code command} between two readings. */
    static long[] delta(Map<String, long[]> before, Map<String, long[]> after, String command) {
        long[] a = after.getOrDefault(command, new long[2]);
        long[] b = before.getOrDefault(command, new long[2]);
        return new long[] {a[0] - b[0], a[1] - b[1]};
    }

    StatefulRedisConnection<String, String> connection() {
        return connection;
    }

    @Override
    public void close() {
        connection.close();
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
    }
}
