package dev.moat.redis;

import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisConnectionStateListener;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import io.netty.handler.flush.FlushConsolidationHandler;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/*
 * How it works and why.
 *
 * One Lettuce client and one multiplexed connection per process (Lettuce connections are
 * thread-safe and pipeline every command sent concurrently), standalone or cluster. Options are
 * chosen for a rate limiter that must never make a request wait: commands issued while the
 * connection is down are rejected at once instead of queued (REJECT_COMMANDS), the reconnect
 * delay is capped at one second, and every wait in this module is bounded by the configured
 * timeout (250 ms by default) on the caller's side. If Redis is down when the process starts, the
 * connection is simply absent; the failover prober connects later.
 *
 * Flushes are consolidated (Netty's FlushConsolidationHandler at the head of the pipeline): the
 * commands that callers queue during one turn of the event loop leave in one write instead of one
 * system call each. Under concurrent checks the JVM's cost per call, not Redis's, bounds a node on
 * a small machine (docs/redis.md, "Performance"); a lone command still goes out in the same turn.
 */

/** A connection to Redis (standalone or cluster) shared by the stores and ban propagation. */
public final class RedisConnection implements AutoCloseable {
    private final AbstractRedisClient client;
    private final ClientResources resources;
    private final boolean cluster;
    private final long timeoutMillis;
    private final String description;
    private volatile StatefulConnection<String, String> connection;
    private volatile RedisClusterAsyncCommands<String, String> async;
    private volatile boolean closed;

    private RedisConnection(AbstractRedisClient client, ClientResources resources, boolean cluster, long timeoutMillis,
                            String description) {
        this.client = client;
        this.resources = resources;
        this.cluster = cluster;
        this.timeoutMillis = timeoutMillis;
        this.description = description;
    }

    /**
     * Opens a connection. {@code uri} is {@code redis://} or {@code rediss://} (TLS), with an ACL
     * user and password as {@code redis://user:password@host:port}; when {@code clusterNodes} is
     * non-empty they are the cluster's seed nodes ({@code host:port}), reached with the scheme,
     * credentials and TLS settings of {@code uri}. Does not fail when Redis is down: the
     * connection is made later by {@link #ensureConnected()}.
     */
    public static RedisConnection open(String uri, List<String> clusterNodes, long timeoutMillis) {
        if (timeoutMillis < 1) {
            throw new IllegalArgumentException("timeout must be at least 1ms, was " + timeoutMillis + "ms");
        }
        if (uri == null || uri.isBlank()) {
            uri = "redis://127.0.0.1:6379";
        }
        RedisURI base = RedisURI.create(uri);
        ClientResources resources = ClientResources.builder()
                .ioThreadPoolSize(Math.max(2, Runtime.getRuntime().availableProcessors()))
                .computationThreadPoolSize(2)
                .reconnectDelay(Delay.exponential(Duration.ofMillis(20), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
                .nettyCustomizer(new NettyCustomizer() {
                    @Override
                    public void afterChannelInitialized(Channel channel) {
                        channel.pipeline().addFirst(new FlushConsolidationHandler(
                                FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true));
                    }
                })
                .build();
        SocketOptions socket = SocketOptions.builder()
                .connectTimeout(Duration.ofMillis(Math.max(500, timeoutMillis * 4)))
                .keepAlive(true)
                .build();
        TimeoutOptions timeouts = TimeoutOptions.enabled(Duration.ofMillis(Math.max(2000, timeoutMillis * 8)));
        RedisConnection c;
        if (clusterNodes == null || clusterNodes.isEmpty()) {
            RedisClient rc = RedisClient.create(resources, base);
            rc.setOptions(ClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
                    .socketOptions(socket)
                    .timeoutOptions(timeouts)
                    .build());
            c = new RedisConnection(rc, resources, false, timeoutMillis, redact(uri));
        } else {
            List<RedisURI> seeds = new ArrayList<>();
            for (String node : clusterNodes) {
                seeds.add(RedisURI.create(withHostPort(uri, node)));
            }
            RedisClusterClient rc = RedisClusterClient.create(resources, seeds);
            // cluster node connections open lazily on a slot's first command, so commands must be
            // accepted while a node connection is still connecting; the bounded queue and the
            // callers' deadlines keep an outage from piling up work
            rc.setOptions(ClusterClientOptions.builder()
                    .autoReconnect(true)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.ACCEPT_COMMANDS)
                    .requestQueueSize(10_000)
                    .socketOptions(socket)
                    .timeoutOptions(timeouts)
                    .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
                            .enableAdaptiveRefreshTrigger(ClusterTopologyRefreshOptions.RefreshTrigger.MOVED_REDIRECT,
                                    ClusterTopologyRefreshOptions.RefreshTrigger.ASK_REDIRECT,
                                    ClusterTopologyRefreshOptions.RefreshTrigger.PERSISTENT_RECONNECTS)
                            .build())
                    .build());
            c = new RedisConnection(rc, resources, true, timeoutMillis, "cluster " + clusterNodes);
        }
        c.ensureConnected();
        return c;
    }

    /** The URI with its host and port replaced by {@code node} ("host:port" or "[v6]:port"). */
    static String withHostPort(String uri, String node) {
        int colon = node.lastIndexOf(':');
        if (colon <= 0 || colon == node.length() - 1) {
            throw new IllegalArgumentException("cluster node must be host:port, was '" + node + "'");
        }
        String host = node.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(node.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("cluster node must be host:port, was '" + node + "'");
        }
        if (host.indexOf(':') >= 0 && !host.startsWith("[")) {
            host = "[" + host + "]";
        }
        try {
            URI u = new URI(uri);
            String auth = u.getRawUserInfo() == null ? "" : u.getRawUserInfo() + "@";
            String query = u.getRawQuery() == null ? "" : "?" + u.getRawQuery();
            return u.getScheme() + "://" + auth + host + ":" + port + query;
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("invalid redis uri: " + e.getMessage());
        }
    }

    private static String redact(String uri) {
        int at = uri.indexOf('@');
        int scheme = uri.indexOf("://");
        return at > 0 && scheme > 0 && at > scheme ? uri.substring(0, scheme + 3) + "***@" + uri.substring(at + 1) : uri;
    }

    /** Connects if there is no connection yet; true when connected. Blocks up to the connect timeout. */
    public synchronized boolean ensureConnected() {
        if (closed) {
            return false;
        }
        if (connection != null) {
            return true;
        }
        try {
            if (cluster) {
                StatefulRedisClusterConnection<String, String> cc = ((RedisClusterClient) client).connect();
                connection = cc;
                async = cc.async();
            } else {
                StatefulRedisConnection<String, String> sc = ((RedisClient) client).connect();
                connection = sc;
                async = sc.async();
            }
            return true;
        } catch (RedisException e) {
            return false;
        }
    }

    /** The commands, or an exception when there is no connection yet. */
    RedisClusterAsyncCommands<String, String> async() {
        RedisClusterAsyncCommands<String, String> a = async;
        if (a == null) {
            throw new RedisUnavailableException("not connected to " + description);
        }
        return a;
    }

    /** True while the connection is up (Lettuce reconnects by itself after a drop). */
    public boolean isOpen() {
        StatefulConnection<String, String> c = connection;
        return c != null && c.isOpen();
    }

    public boolean isCluster() {
        return cluster;
    }

    public long timeoutMillis() {
        return timeoutMillis;
    }

    /** A deadline {@code timeoutMillis} from now, for {@link #await}. */
    long deadline() {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    }

    /** A longer deadline for listings and replays, which touch many keys. */
    long bulkDeadline() {
        return System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(5_000, timeoutMillis * 20));
    }

    int slot(String key) {
        return cluster ? SlotHash.getSlot(key) : 0;
    }

    /** PING within the timeout. */
    public boolean ping() {
        if (!ensureConnected()) {
            return false;
        }
        try {
            return "PONG".equals(await(async().ping(), deadline()));
        } catch (RedisUnavailableException e) {
            return false;
        }
    }

    /** Runs a script by SHA, falling back to EVAL (which caches it) when the server answers NOSCRIPT. */
    <T> CompletableFuture<T> script(Script s, ScriptOutputType type, String[] keys, String... args) {
        try {
            RedisClusterAsyncCommands<String, String> a = async();
            CompletableFuture<T> first = a.<T>evalsha(s.sha(), type, keys, args).toCompletableFuture();
            return first.exceptionallyCompose(e -> {
                if (isNoScript(e)) {
                    return start(() -> a.<T>eval(s.body(), type, keys, args));
                }
                return CompletableFuture.failedFuture(e);
            });
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** The failure itself, out of the CompletionException a dependent future wraps it in. */
    static Throwable unwrap(Throwable e) {
        return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    }

    /** A failure as the stores' callers see it: RedisUnavailableException, with the cause kept. */
    private static RedisUnavailableException unavailable(Throwable cause) {
        return cause instanceof RedisUnavailableException u ? u
                : new RedisUnavailableException("redis failed: " + cause.getMessage(), cause);
    }

    private static boolean isNoScript(Throwable e) {
        Throwable t = unwrap(e);
        return t instanceof RedisNoScriptException
                || (t instanceof RedisCommandExecutionException && t.getMessage() != null && t.getMessage().startsWith("NOSCRIPT"));
    }

    /** Waits for a command until the deadline; every failure becomes {@link RedisUnavailableException}. */
    static <T> T await(CompletionStage<T> stage, long deadlineNanos) {
        long left = deadlineNanos - System.nanoTime();
        try {
            return stage.toCompletableFuture().get(Math.max(0, left), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new RedisUnavailableException("redis did not answer in time", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RedisUnavailableException("interrupted while waiting for redis", e);
        } catch (ExecutionException e) {
            throw unavailable(e.getCause() == null ? e : e.getCause());
        } catch (RedisException e) {
            throw new RedisUnavailableException("redis failed: " + e.getMessage(), e);
        }
    }

    /**
     * What {@link #await} does, without waiting on the calling thread: a future that completes with
     * {@code stage}'s value, or with {@link RedisUnavailableException} when it fails or when the
     * deadline passes first (Lettuce's timer; one timeout per call, cancelled when the answer comes).
     */
    <T> CompletableFuture<T> within(CompletableFuture<T> stage, long deadlineNanos) {
        CompletableFuture<T> out = new CompletableFuture<>();
        long left = deadlineNanos - System.nanoTime();
        io.netty.util.Timeout timer = resources.timer().newTimeout(
                t -> out.completeExceptionally(new RedisUnavailableException("redis did not answer in time")),
                Math.max(0, left), TimeUnit.NANOSECONDS);
        stage.whenComplete((value, error) -> {
            timer.cancel();
            if (error == null) {
                out.complete(value);
                return;
            }
            out.completeExceptionally(unavailable(unwrap(error)));
        });
        return out;
    }

    /** Starts a command, turning a synchronous rejection (disconnected) into a failed future. */
    static <T> CompletableFuture<T> start(java.util.function.Supplier<? extends CompletionStage<T>> command) {
        try {
            return command.get().toCompletableFuture();
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    /** A new pub/sub connection (cluster-wide in a cluster: PUBLISH reaches every node). */
    StatefulRedisPubSubConnection<String, String> connectPubSub() {
        if (cluster) {
            return ((RedisClusterClient) client).connectPubSub();
        }
        return ((RedisClient) client).connectPubSub();
    }

    void addListener(RedisConnectionStateListener listener) {
        client.addListener(listener);
    }

    @Override
    public String toString() {
        return description;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        StatefulConnection<String, String> c = connection;
        if (c != null) {
            try {
                c.close();
            } catch (RuntimeException ignored) {
                // closing anyway
            }
        }
        client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        resources.shutdown(0, 2, TimeUnit.SECONDS);
    }
}
