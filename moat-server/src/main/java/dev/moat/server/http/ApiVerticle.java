package dev.moat.server.http;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One HTTP server instance on its own event loop. The composition root deploys one per core; Vert.x
 * spreads connections between the instances of one deployment, which share the port (a random one
 * too, when the config says port 0).
 */
public final class ApiVerticle extends VerticleBase {
    private final ApiRouter api;
    private final String host;
    private final int port;
    private final List<HttpServer> started;
    private java.util.function.Consumer<io.vertx.ext.web.Router> extraRoutes = r -> { }; // admin page (issue 8)
    private long idleTimeoutMillis = dev.moat.server.config.ServerSettings.DEFAULT_IDLE_TIMEOUT_MILLIS;

    /** {@code started} collects every server that is listening (for the port, and for graceful shutdown). */
    public ApiVerticle(ApiRouter api, String host, int port, List<HttpServer> started) {
        this.api = api;
        this.host = host;
        this.port = port;
        this.started = started;
    }

    /** Also mounts {@code extraRoutes} (the admin page, issue 8) on this instance's router. */
    public ApiVerticle(ApiRouter api, String host, int port, List<HttpServer> started,
                       java.util.function.Consumer<io.vertx.ext.web.Router> extraRoutes) { // admin (issue 8)
        this(api, host, port, started);
        this.extraRoutes = extraRoutes;
    }

    /** As above, closing a connection that sends and receives nothing for {@code idleTimeoutMillis}. */
    public ApiVerticle(ApiRouter api, String host, int port, List<HttpServer> started,
                       java.util.function.Consumer<io.vertx.ext.web.Router> extraRoutes, long idleTimeoutMillis) {
        this(api, host, port, started, extraRoutes);
        this.idleTimeoutMillis = idleTimeoutMillis;
    }

    @Override
    public Future<?> start() {
        HttpServerOptions options = new HttpServerOptions()
                .setHost(host).setPort(port)
                .setIdleTimeout((int) Math.min(Integer.MAX_VALUE, idleTimeoutMillis)).setIdleTimeoutUnit(TimeUnit.MILLISECONDS)
                .setCompressionSupported(false);
        // the API serves no WebSocket (the gateway has its own server): without a compression
        // extension to offer, Vert.x leaves Netty's WebSocket extension handler out of the
        // pipeline, which otherwise inspects every request and every response on this hot path
        options.getWebSocketConfig().setUsePerFrameCompression(false).setUsePerMessageCompression(false);
        HttpServer server = vertx.createHttpServer(options);
        io.vertx.ext.web.Router router = api.router(vertx);
        extraRoutes.accept(router); // admin page (issue 8)
        server.requestHandler(api.requestHandler(router)); // POST /v1/check before the router (HotPath)
        return server.listen().onSuccess(started::add);
    }
}
