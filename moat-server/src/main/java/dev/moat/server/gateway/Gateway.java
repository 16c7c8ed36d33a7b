package dev.moat.server.gateway;

import dev.moat.core.HumanDuration;
import dev.moat.core.Moat;
import dev.moat.core.MoatListener;
import dev.moat.core.ban.Ban;
import dev.moat.core.identity.Cidr;
import dev.moat.core.identity.ClientAddressResolver;
import dev.moat.core.identity.IpAddress;
import dev.moat.core.identity.Subject;
import dev.moat.core.store.MemoryStateStore;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.net.NetClientOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The WebSocket and HTTP gateway: Moat in front of a chat server that was never changed. Start
 * one with {@link #start}; the returned handle stops it ({@link #close}), tells its port, and
 * disconnects users ({@link #disconnectUser}).
 *
 * <p>It registers itself as a {@link MoatListener}: a kick or a ban decided anywhere in this
 * engine (a frame here, a {@code /v1/check} call, an operator's ban) closes the user's
 * connections on this node with the kick or ban close code, and a ban of an address or CIDR
 * closes the connections from inside it. What other nodes of a fleet decide arrives through
 * {@link #closeForBan}, {@link #closeForKick} and {@link #disconnectUser} (the composition root
 * wires them to the store's ban propagation).
 */
public final class Gateway implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);

    /**
     * Counters since start, for tests, logs and metrics.
     *
     * @param openConnections   WebSocket connections open now
     * @param handshakesRefused WebSocket handshakes (or Socket.IO CONNECTs) refused
     * @param framesForwarded   client frames sent upstream
     * @param framesRefused     client frames answered with an error frame instead
     * @param slowConsumers     connections closed with 1008 for not reading
     * @param closedByMoat      connections closed for a kick, ban or operator disconnect
     * @param httpRefused       HTTP requests refused
     */
    public record Stats(int openConnections, long handshakesRefused, long framesForwarded, long framesRefused,
                        long slowConsumers, long closedByMoat, long httpRefused) {
    }

    /** Where engine calls run. */
    public enum Decisions {
        /** On the event loop: every store is in memory, so no call blocks. */
        EVENT_LOOP,
        /** On the worker pool: the stores block (SQLite, Redis) and are not guarded. */
        WORKER,
        /**
         * Decisions on the event loop first, retried on a worker when one reaches a store wrapped in
         * the server's {@code LoopGuard} / {@code LoopGuardLimits} (which throw before blocking);
         * writes on a worker. Only for an engine whose blocking stores are all so wrapped, as
         * {@code MoatServer} builds it: most frames then never leave their event loop.
         */
        LOOP_FIRST
    }

    private final Shared g;
    private final List<HttpServer> servers;
    private final Disconnector listener;
    private volatile boolean closed;

    private Gateway(Shared g, List<HttpServer> servers, Disconnector listener) {
        this.g = g;
        this.servers = servers;
        this.listener = listener;
    }

    /**
     * Starts a gateway and waits until it listens. Engine calls run on the event loop when both of
     * the engine's stores are in memory, else on the worker pool.
     *
     * @throws IllegalArgumentException when a rule names an action the engine does not know, or a
     *                                  key or JWKS file cannot be used
     * @throws IllegalStateException    when the port cannot be bound; or when called on an event loop
     */
    public static Gateway start(Vertx vertx, Moat moat, GatewaySettings settings, ClientAddressResolver resolver) {
        boolean inline = "memory".equals(moat.limitStore().kind()) && moat.stateStore() instanceof MemoryStateStore;
        return start(vertx, moat, settings, resolver, inline);
    }

    /** As {@link #start(Vertx, Moat, GatewaySettings, ClientAddressResolver)}, choosing where engine calls run. */
    public static Gateway start(Vertx vertx, Moat moat, GatewaySettings settings, ClientAddressResolver resolver,
                                boolean decideOnEventLoop) {
        return start(vertx, moat, settings, resolver, decideOnEventLoop ? Decisions.EVENT_LOOP : Decisions.WORKER);
    }

    /** As {@link #start(Vertx, Moat, GatewaySettings, ClientAddressResolver)}, choosing where engine calls run. */
    public static Gateway start(Vertx vertx, Moat moat, GatewaySettings settings, ClientAddressResolver resolver,
                                Decisions decisions) {
        if (Context.isOnEventLoopThread()) {
            throw new IllegalStateException("Gateway.start blocks; call startAsync from an event loop");
        }
        try {
            return startAsync(vertx, moat, settings, resolver, decisions).toCompletionStage().toCompletableFuture()
                    .get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalStateException("gateway.listen " + settings.host() + ":" + settings.port() + ": "
                    + c.getMessage(), c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while starting the gateway", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the gateway did not start within 60 s", e);
        }
    }

    /** Starts a gateway without blocking. */
    public static Future<Gateway> startAsync(Vertx vertx, Moat moat, GatewaySettings settings,
                                             ClientAddressResolver resolver, boolean decideOnEventLoop) {
        return startAsync(vertx, moat, settings, resolver, decideOnEventLoop ? Decisions.EVENT_LOOP : Decisions.WORKER);
    }

    /** Starts a gateway without blocking. */
    public static Future<Gateway> startAsync(Vertx vertx, Moat moat, GatewaySettings settings,
                                             ClientAddressResolver resolver, Decisions decisions) {
        try {
            validateActions(moat, settings);
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
        }
        TokenVerifier tokens;
        try {
            tokens = new TokenVerifier(vertx, settings.jwt(), moat.clock());
        } catch (IllegalArgumentException e) {
            return Future.failedFuture(e);
        }
        GatewaySettings.Upstream up = settings.upstream();
        var http = vertx.createHttpClient(new HttpClientOptions()
                        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, up.connectTimeoutMillis()))
                        .setKeepAlive(true).setTcpNoDelay(true).setDecompressionSupported(false)
                        .setMaxInitialLineLength(16 * 1024).setMaxHeaderSize(64 * 1024),
                new PoolOptions().setHttp1MaxSize(512));
        NetClientOptions netOptions = new NetClientOptions()
                .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, up.connectTimeoutMillis()))
                .setTcpNoDelay(true).setSsl(up.ssl());
        if (up.ssl()) {
            netOptions.setHostnameVerificationAlgorithm("HTTPS");
        }
        var net = vertx.createNetClient(netOptions);
        Shared g = new Shared(vertx, moat, settings, resolver, new Decider(vertx, decisions), tokens, http, net);
        HttpProxy proxy = new HttpProxy(g);
        WsGate gate = new WsGate(g);

        int instances = settings.instances() > 0 ? settings.instances()
                : Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), 8));
        List<HttpServer> servers = new ArrayList<>();
        Future<Void> chain = tokens.start();
        for (int i = 0; i < instances; i++) {
            HttpServer server = vertx.createHttpServer(new HttpServerOptions()
                    .setHost(settings.host()).setPort(settings.port())
                    .setHandle100ContinueAutomatically(true)
                    .setTcpNoDelay(true)
                    .setIdleTimeout(0)
                    .setCompressionSupported(false));
            server.requestHandler(req -> route(g, proxy, gate, req));
            servers.add(server);
        }
        chain = chain.compose(v -> servers.get(0).listen().mapEmpty());
        for (int i = 1; i < servers.size(); i++) {
            HttpServer s = servers.get(i);
            chain = chain.compose(v -> s.listen().mapEmpty());
        }
        return chain.<Gateway>map(v -> {
            Disconnector listener = new Disconnector(g);
            moat.addListener(listener);
            Gateway gw = new Gateway(g, servers, listener);
            LOG.info("gateway listening on {}:{} in front of {}", settings.host(), gw.port(), up.url());
            return gw;
        }).recover(e -> {
            for (HttpServer s : servers) {
                s.close();
            }
            tokens.close();
            http.close();
            net.close();
            return Future.failedFuture(e);
        });
    }

    private static void validateActions(Moat moat, GatewaySettings s) {
        List<String> problems = new ArrayList<>();
        List<GatewaySettings.HttpRule> rules = s.http().rules();
        for (int i = 0; i < rules.size(); i++) {
            if (!moat.knowsAction(dev.moat.core.policy.Realm.CLIENT, rules.get(i).action())) {
                problems.add("gateway.http.rules[" + i + "].action: '" + rules.get(i).action()
                        + "' is not a known restriction and not in rate_limits");
            }
        }
        GatewaySettings.Frames f = s.websocket().frames();
        if (f.checksAllFrames() && !moat.knowsAction(dev.moat.core.policy.Realm.CLIENT, f.action())) {
            problems.add("gateway.websocket.action: '" + f.action() + "' is not a known restriction and not in rate_limits");
        }
        for (int i = 0; i < f.messages().size(); i++) {
            String a = f.messages().get(i).action();
            if (!moat.knowsAction(dev.moat.core.policy.Realm.CLIENT, a)) {
                problems.add("gateway.websocket.messages[" + i + "].action: '" + a
                        + "' is not a known restriction and not in rate_limits");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", problems));
        }
    }

    private static void route(Shared g, HttpProxy proxy, WsGate gate, HttpServerRequest req) {
        IpAddress peer = IpAddress.tryParse(req.remoteAddress() == null ? null : req.remoteAddress().hostAddress());
        if (peer == null) {
            // the socket's own address is unknown (or not an address, e.g. a Unix socket): nothing to key limits by
            Refusals.send(req.response(), 400, "unknown_peer",
                    "The gateway cannot tell this connection's address, so it cannot check it.", -1, null);
            return;
        }
        IpAddress ip = g.resolver.resolve(peer, name -> req.headers().getAll(name));
        if (req.canUpgradeToWebSocket()) {
            gate.handle(req, peer, ip);
        } else {
            proxy.handle(req, peer, ip);
        }
    }

    /** The port the gateway listens on. */
    public int port() {
        return servers.get(0).actualPort();
    }

    /**
     * Closes every connection of {@code user} on this node now: an error frame with reason
     * {@code disconnected} and {@code reason} as its message, then the {@code disconnect} close
     * code (4000 by default; Socket.IO clients also get a DISCONNECT so they do not reconnect at
     * once). {@code user} may be given as {@code user:ID}.
     *
     * @return how many connections were closed
     */
    public int disconnectUser(String user, String reason) {
        String id = user != null && user.startsWith("user:") ? user.substring(5) : user;
        if (id == null || id.isEmpty()) {
            return 0;
        }
        String message = reason == null || reason.isBlank() ? "You have been disconnected by an operator." : reason;
        List<WsConnection> conns = g.connections.ofUser(id);
        for (WsConnection c : conns) {
            c.requestClose((short) g.settings.websocket().closeCodes().disconnect(), "disconnected", message, true);
        }
        return conns.size();
    }

    /**
     * Closes what a ban decided elsewhere covers, as for a ban of this engine: a ban of
     * {@code user:X} closes X's connections on this node, of {@code ip:} or {@code cidr:} every
     * connection from inside it, with the ban close code. For bans that another node of the fleet
     * started (this engine raises no event for them).
     */
    public void closeForBan(Ban ban) {
        listener.onBanStarted(ban);
    }

    /**
     * Closes {@code user}'s connections on this node as for a kick of this engine (the ban code
     * when the user has a ban in force here, else the kick code). For kicks another node raised.
     */
    public void closeForKick(String user, String reason) {
        listener.onKick(user, reason == null ? "kicked" : reason);
    }

    /** Counters since start. */
    public Stats stats() {
        return new Stats(g.connections.size(), g.handshakesRefused.sum(), g.framesForwarded.sum(), g.framesRefused.sum(),
                g.slowConsumers.sum(), g.closedByMoat.sum(), g.httpRefused.sum());
    }

    /** The settings this gateway runs with. */
    public GatewaySettings settings() {
        return g.settings;
    }

    /** Stops listening, closes every connection (1001) and the upstream clients; waits up to 10 s. */
    @Override
    public void close() {
        try {
            closeAsync().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn("gateway did not close cleanly: {}", e.toString());
        }
    }

    public Future<Void> closeAsync() {
        if (closed) {
            return Future.succeededFuture();
        }
        closed = true;
        g.moat.removeListener(listener);
        List<Future<Void>> fs = new ArrayList<>();
        for (HttpServer s : servers) {
            fs.add(s.close());
        }
        for (WsConnection c : g.connections.all()) {
            c.requestClose(WsConnection.GOING_AWAY, "going_away", "The server is restarting.", false);
        }
        g.tokens.close();
        return Future.join(fs).compose(v -> g.http.close()).compose(v -> g.net.close()).mapEmpty();
    }

    /** Turns the engine's kicks and bans into closed connections. */
    private static final class Disconnector implements MoatListener {
        private final Shared g;

        Disconnector(Shared g) {
            this.g = g;
        }

        @Override
        public void onKick(String user, String reason) {
            List<WsConnection> conns = g.connections.ofUser(user);
            if (conns.isEmpty()) {
                return;
            }
            Ban ban = null;
            try {
                ban = g.moat.banOf("user:" + user);
            } catch (RuntimeException e) {
                // not a parseable subject: treat as a kick
            }
            GatewaySettings.CloseCodes codes = g.settings.websocket().closeCodes();
            for (WsConnection c : conns) {
                if (ban != null) {
                    c.requestClose((short) codes.ban(), "banned", banMessage(ban), true);
                } else {
                    c.requestClose((short) codes.kick(), reason, "You have been disconnected (" + reason.replace('_', ' ')
                            + "). You may reconnect.", false);
                }
            }
        }

        @Override
        public void onBanStarted(Ban ban) {
            Subject s;
            try {
                s = Subject.parse(ban.subject());
            } catch (RuntimeException e) {
                return;
            }
            List<WsConnection> conns = switch (s.kind()) {
                case USER -> g.connections.ofUser(s.id());
                case IP -> g.connections.inside(Cidr.of(s.asIpAddress(), s.asIpAddress().bits()));
                case CIDR -> g.connections.inside(s.asCidr());
                default -> List.of();
            };
            for (WsConnection c : conns) {
                c.requestClose((short) g.settings.websocket().closeCodes().ban(), "banned", banMessage(ban), true);
            }
        }

        private String banMessage(Ban ban) {
            long left = Math.max(0, ban.expiresAtMillis() - g.moat.clock().nowMillis());
            return "You are banned for " + HumanDuration.text(left) + ".";
        }
    }
}
