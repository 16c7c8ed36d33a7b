package dev.moat.server;

import dev.moat.core.Moat;
import dev.moat.core.identity.CidrSet;
import dev.moat.core.identity.ClientAddressResolver;
import dev.moat.core.store.LimitStore;
import dev.moat.core.store.StateStore;
import dev.moat.server.config.ConfigException;
import dev.moat.server.config.MoatConfig;
import dev.moat.server.config.ServerSettings;
import dev.moat.server.gateway.Gateway;
import dev.moat.server.http.ApiRouter;
import dev.moat.server.http.ApiVerticle;
import dev.moat.server.http.ConfigControl;
import dev.moat.server.http.Listen;
import dev.moat.server.http.LoopGuard;
import dev.moat.server.http.LoopGuardLimits;
import dev.moat.server.http.Health;
import dev.moat.server.http.HttpSettings;
import dev.moat.server.http.Offload;
import dev.moat.server.observe.DecisionLog;
import dev.moat.server.observe.MetricsListener;
import dev.moat.server.observe.TimedLimitStore;
import dev.moat.server.observe.TimedStateStore;
import dev.moat.server.safety.OpenAiModerationClient;
import dev.moat.server.safety.WebhookReporter;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.DeploymentOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The composition root: the one place where the config becomes running parts. It builds the
 * stores (timed), the engine with its moderation client and listeners (metrics, audit log,
 * webhook), the worker pool, the HTTP
 * API on one server instance per core, and the reloader; and it takes them down in order.
 *
 * <p>Shutdown ({@link #close()}, run by SIGTERM/SIGINT): stop accepting connections and let
 * in-flight requests finish (up to {@value #DRAIN_SECONDS} s), let the worker pool drain, then
 * flush and close the state store, so a ban acknowledged before the signal is on disk.
 */
public final class MoatServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MoatServer.class);
    static final int DRAIN_SECONDS = 10;
    /**
     * Threads of the blocking pool (the API's {@code moat-engine} executor, and Vert.x's default
     * pool, which the gateway's decisions use). A refusal that records a violation, and every
     * reported violation, holds one of them until its SQLite commit is durable, and the group
     * commit batches only what is in flight: with {@code N} threads at most {@code N} violations
     * share one fsync. 16 capped the server near 13k durable violations per second on the 2-core
     * build machine; 64 lets a batch hold enough to reach issue 3's 20k/s (moat-sqlite/THROUGHPUT.md).
     * Idle workers cost nothing but their stacks.
     */
    static final int WORKERS = 64;

    private final Vertx vertx;
    private final WorkerExecutor workers;
    private final List<HttpServer> servers;
    private final Moat moat;
    private final Stores stores;
    private final AutoCloseable propagation;
    private final Gateway gateway;
    private final Reloader reloader;
    private final ClientAddressResolver clientAddresses;
    private final PrometheusMeterRegistry registry;
    private final long housekeepingTimer;
    private final WebhookReporter webhook;
    private ApiRouter api;
    private boolean closed;

    private MoatServer(Vertx vertx, WorkerExecutor workers, List<HttpServer> servers, Moat moat, Stores stores,
                       Reloader reloader, ClientAddressResolver clientAddresses, PrometheusMeterRegistry registry,
                       long housekeepingTimer, WebhookReporter webhook, AutoCloseable propagation, Gateway gateway) {
        this.vertx = vertx;
        this.workers = workers;
        this.servers = servers;
        this.moat = moat;
        this.stores = stores;
        this.propagation = propagation;
        this.gateway = gateway;
        this.reloader = reloader;
        this.clientAddresses = clientAddresses;
        this.registry = registry;
        this.housekeepingTimer = housekeepingTimer;
        this.webhook = webhook;
    }

    /** Loads the config and starts serving; returns once the port is bound. */
    public static MoatServer start(ConfigSource source) throws ConfigException, StartupException {
        return start(source, source.load());
    }

    static MoatServer start(ConfigSource source, MoatConfig config) throws StartupException {
        ServerSettings s = config.server();
        if (s.apiKeys().isEmpty() && !s.loopback()) {
            throw new StartupException("server.listen is " + Listen.format(s.host(), s.port())
                    + ", not a loopback address, and server.api_keys is empty: configure at least one key"
                    + " (or listen on 127.0.0.1) so the API is not open to the network");
        }
        CidrSet proxies;
        try {
            proxies = CidrSet.of(TrustedProxies.parse(s.trustedProxies()));
        } catch (IllegalArgumentException e) {
            throw new StartupException(e.getMessage());
        }
        // the gateway resolves end-user addresses with this; /v1/check takes the address from the body
        ClientAddressResolver clientAddresses = new ClientAddressResolver(proxies);

        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);

        Stores stores = Stores.open(config.store());
        LimitStore rawLimits = stores.limits();
        StateStore rawState = stores.state();
        StateStore state = new TimedStateStore(rawState, registry);
        if (!"memory".equals(stores.stateKind())) {
            state = new LoopGuard(state);   // decisions that reach the disk move to a worker (see Offload)
        }
        Moat moat;
        try {
            moat = Moat.builder()
                    .policy(config.policy())
                    .limitStore("memory".equals(rawLimits.kind()) ? new TimedLimitStore(rawLimits, registry)
                            // a Redis round trip never runs on an event loop
                            : new LoopGuardLimits(new TimedLimitStore(rawLimits, registry)))
                    .stateStore(state)
                    // asked only while moderation.enabled is true, so a reload can switch it on
                    .moderation(new OpenAiModerationClient(config.moderation().url(), config.moderation().apiKey(),
                            config.moderation().model(), config.moderation().timeoutMillis()))
                    .build();
        } catch (IllegalArgumentException e) {
            stores.close();
            throw new StartupException(e.getMessage());
        }
        Fleet fleet = stores.attach(moat);
        FleetGateway fleetGateway = new FleetGateway(fleet);
        AtomicReference<HttpSettings> http = new AtomicReference<>(HttpSettings.of(s));
        Reloader reloader = new Reloader(source, config, moat, http, proxies);
        moat.addListener(new MetricsListener(registry, moat));
        moat.addListener(new DecisionLog(() -> reloader.current().server().logMessageText()));
        WebhookReporter webhook = null;
        if (config.webhook().enabled()) {
            webhook = new WebhookReporter(config.webhook().url(), config.webhook().timeoutMillis(),
                    config.webhook().maxAttempts());
            moat.addListener(webhook);
        }

        Vertx vertx = Vertx.vertx(new VertxOptions()
                // Netty's epoll transport where it loads (Linux x86_64: fewer copies and wake-ups per
                // request than NIO); anywhere else Vert.x falls back to NIO by itself
                .setPreferNativeTransport(true)
                .setWorkerPoolSize(WORKERS)
                .setFileSystemOptions(new FileSystemOptions().setFileCachingEnabled(false)
                        .setClassPathResolvingEnabled(false)));
        WorkerExecutor workers = vertx.createSharedWorkerExecutor("moat-engine", WORKERS);
        Offload offload = new Offload(workers);
        ApiRouter api = new ApiRouter(moat, offload, reloader, http,
                () -> health(stores, moat), registry::scrape, fleetGateway, s.benchNoopEndpoint());
        dev.moat.server.admin.AdminRoutes admin = dev.moat.server.admin.AdminRoutes.create(moat, offload, reloader, http,
                () -> {
                    Health h = health(stores, moat);
                    return new dev.moat.server.admin.HealthSource.StoreHealth(h.ok(), h.store(), h.stateStore(),
                            h.problem(), h.redisUp(), h.fallbackActive());
                }); // admin page, /v1/events, /v1/admin/summary (issue 8)

        List<HttpServer> servers = new CopyOnWriteArrayList<>();
        try {
            int instances = Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), 8));
            int port = sharedPort(s.port());
            await(vertx.deployVerticle(() -> new ApiVerticle(api, s.host(), port, servers, admin::mount, // admin::mount: issue 8
                            s.idleTimeoutMillis()),
                    new DeploymentOptions().setInstances(instances)));
            if (servers.stream().mapToInt(HttpServer::actualPort).distinct().count() != 1) {
                throw new IllegalStateException("the HTTP server instances did not share one port");
            }
        } catch (Exception e) {
            vertx.close();
            if (webhook != null) {
                webhook.close();
            }
            moat.close();
            closeQuietly(fleet);
            stores.close();
            throw new StartupException("cannot listen on " + Listen.format(s.host(), s.port()) + ": "
                    + rootMessage(e), 1, e);
        }
        Gateway gateway = null;
        if (config.gateway() != null) {
            try {
                // the stores that block are wrapped in LoopGuard / LoopGuardLimits above, so frames
                // are decided on their event loop until one reaches durable state
                gateway = Gateway.start(vertx, moat, config.gateway(), clientAddresses, Gateway.Decisions.LOOP_FIRST);
                fleetGateway.attach(gateway);
            } catch (RuntimeException e) {
                vertx.close();
                moat.close();
                closeQuietly(fleet);
                stores.close();
                throw new StartupException("gateway: " + rootMessage(e), 1, e);
            }
        }
        long housekeeping = vertx.setPeriodic(3_600_000, id -> workers.executeBlocking(moat::pruneLog, false));
        MoatServer server = new MoatServer(vertx, workers, servers, moat, stores, reloader,
                clientAddresses, registry, housekeeping, webhook, fleet, gateway);
        server.api = api;
        LOG.atInfo().addKeyValue("event", "started")
                .addKeyValue("listen", Listen.format(s.host(), server.port()))
                .addKeyValue("store", rawLimits.kind()).addKeyValue("state_store", stores.stateKind())
                .addKeyValue("transport", transport(vertx))
                .addKeyValue("gateway", gateway == null ? "off" : Listen.format(config.gateway().host(),
                        gateway.port()))
                .addKeyValue("data_dir", config.store().dataDir())
                .addKeyValue("preset", config.policy().rateLimits().preset())
                .addKeyValue("api_keys", s.apiKeys().size()).addKeyValue("config_version", config.version())
                .log("moat listening on http://" + Listen.format(s.host(), server.port()));
        return server;
    }

    /**
     * Port 0 means "any free port". Vert.x shares a port between the instances of a deployment only
     * when they ask for the same concrete port (each asking for 0 would get a different one), so a
     * free port is picked first.
     */
    private static int sharedPort(int port) throws StartupException {
        if (port != 0) {
            return port;
        }
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            return probe.getLocalPort();
        } catch (java.io.IOException e) {
            throw new StartupException("cannot find a free port: " + e.getMessage(), 1, e);
        }
    }

    /**
     * The network transport serving the API: {@code epoll} (Netty's native transport), or {@code nio}
     * with why the native one is not in use.
     */
    static String transport(Vertx vertx) {
        if (vertx.isNativeTransportEnabled()) {
            return "epoll";
        }
        Throwable why = vertx.unavailableNativeTransportCause();
        return why == null ? "nio" : "nio (epoll unavailable: " + rootMessage(why) + ")";
    }

    private static Health health(Stores stores, Moat moat) {
        Optional<String> problem = stores.problem();
        return new Health(problem.isEmpty(), stores.limits().kind(), stores.stateKind(), moat.activeBanCount(),
                problem.orElse(null), stores.redisUp(), stores.fallbackActive());
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("could not close {}: {}", c.getClass().getSimpleName(), rootMessage(e));
        }
    }

    /** The gateway, or null when the config has no {@code gateway:} section. */
    public Gateway gateway() {
        return gateway;
    }

    private static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    private static String rootMessage(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) {
            r = r.getCause();
        }
        return r.getMessage() == null ? r.getClass().getSimpleName() : r.getMessage();
    }

    /** The port the API listens on (the real one when the config said 0). */
    public int port() {
        return servers.get(0).actualPort();
    }

    public Moat moat() {
        return moat;
    }

    /** Finds end users behind {@code server.trusted_proxies}; for the gateway. */
    public ClientAddressResolver clientAddresses() {
        return clientAddresses;
    }

    public ConfigControl config() {
        return reloader;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The endpoint table (the OpenAPI test compares it with /openapi.json). */
    ApiRouter api() {
        return api;
    }

    /** Reloads on a worker (for SIGHUP); the result is logged. */
    public void reloadInBackground() {
        workers.executeBlocking(reloader::reload, false);
    }

    /** Graceful shutdown: drain HTTP, drain workers, flush and close the stores. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        LOG.atInfo().addKeyValue("event", "stopping").log("moat stopping: draining in-flight requests");
        vertx.cancelTimer(housekeepingTimer);
        if (gateway != null) {
            gateway.close();
        }
        for (HttpServer server : servers) {
            try {
                await(server.shutdown(Duration.ofSeconds(DRAIN_SECONDS)));
            } catch (Exception e) {
                LOG.warn("HTTP server did not shut down cleanly: {}", rootMessage(e));
            }
        }
        try {
            await(workers.close());
        } catch (Exception e) {
            LOG.warn("worker pool did not drain: {}", rootMessage(e));
        }
        try {
            moat.close();       // flushes the state store
        } finally {
            if (webhook != null) {
                webhook.close();
            }
            closeQuietly(propagation);
            stores.close();
            try {
                await(vertx.close());
            } catch (Exception e) {
                LOG.warn("vert.x did not close cleanly: {}", rootMessage(e));
            }
            registry.close();
        }
        LOG.atInfo().addKeyValue("event", "stopped").log("moat stopped; state flushed");
    }
}
