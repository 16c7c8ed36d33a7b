package dev.moat.server.http;

import dev.moat.core.Moat;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The HTTP API: one table of endpoints (method, path, who may call it, handler) turned into a
 * Vert.x router. Each route runs auth, then reads the body (bounded by {@code server.max_body}),
 * then its handler; every failure goes to {@link Problems}. Unknown paths answer 404, known paths
 * with another method 405, both as problem+json.
 */
public final class ApiRouter {

    /** One endpoint of the API. {@code path} uses Vert.x syntax ({@code :subject}). */
    public record Endpoint(HttpMethod method, String path, Access access, Handler<RoutingContext> handler) {
    }

    private final List<Endpoint> endpoints;
    private final AtomicReference<HttpSettings> settings;
    private final CheckHandler check;
    private final boolean benchNoopEndpoint;

    /**
     * @param moat     the engine
     * @param offload  where engine calls run
     * @param config   the running config and its reload
     * @param settings the live HTTP settings (keys, body limit), swapped by reloads
     * @param health   what /healthz reports
     * @param metrics  the Prometheus scrape
     * @param gateway  "disconnect this user now" (this node's gateway, and the fleet)
     * @param benchNoopEndpoint also serve {@code POST /v1/noop} ({@code server.bench_noop_endpoint})
     */
    public ApiRouter(Moat moat, Offload offload, ConfigControl config, AtomicReference<HttpSettings> settings,
                     Supplier<Health> health, Supplier<String> metrics, GatewayControl gateway,
                     boolean benchNoopEndpoint) {
        this.settings = settings;
        this.benchNoopEndpoint = benchNoopEndpoint;
        CheckHandler check = new CheckHandler(moat, offload);
        this.check = check;
        ConcurrencyHandler concurrency = new ConcurrencyHandler(moat, offload);
        ViolationsHandler violations = new ViolationsHandler(moat, offload);
        BansHandler bans = new BansHandler(moat, offload);
        TokensHandler tokens = new TokensHandler(moat, offload);
        ConfigHandler cfg = new ConfigHandler(config, offload);
        OpsHandler ops = new OpsHandler(health, metrics, () -> config.current().version());
        GatewayHandler gw = new GatewayHandler(gateway);
        List<Endpoint> table = new ArrayList<>(List.of(
                new Endpoint(HttpMethod.POST, "/v1/check", Access.CLIENT, check::check),
                new Endpoint(HttpMethod.POST, "/v1/concurrency/acquire", Access.CLIENT, concurrency::acquire),
                new Endpoint(HttpMethod.POST, "/v1/concurrency/release", Access.CLIENT, concurrency::release),
                new Endpoint(HttpMethod.POST, "/v1/violations", Access.CLIENT, violations::report),
                new Endpoint(HttpMethod.GET, "/v1/violations/:subject", Access.ADMIN, violations::history),
                new Endpoint(HttpMethod.DELETE, "/v1/violations/:subject", Access.ADMIN, violations::reset),
                new Endpoint(HttpMethod.GET, "/v1/bans", Access.ADMIN, bans::list),
                new Endpoint(HttpMethod.POST, "/v1/bans", Access.ADMIN, bans::add),
                new Endpoint(HttpMethod.DELETE, "/v1/bans/:subject", Access.ADMIN, bans::remove),
                new Endpoint(HttpMethod.POST, "/v1/tokens/revoke", Access.CLIENT, tokens::revoke),
                new Endpoint(HttpMethod.POST, "/v1/tokens/status", Access.CLIENT, tokens::status),
                new Endpoint(HttpMethod.POST, "/v1/config/reload", Access.ADMIN, cfg::reload),
                new Endpoint(HttpMethod.GET, "/v1/config", Access.ADMIN, cfg::show),
                new Endpoint(HttpMethod.POST, "/v1/gateway/disconnect", Access.ADMIN, gw::disconnect),
                new Endpoint(HttpMethod.GET, "/healthz", Access.PUBLIC, ops::healthz),
                new Endpoint(HttpMethod.GET, "/metrics", Access.PUBLIC, ops::metrics),
                new Endpoint(HttpMethod.GET, "/openapi.json", Access.PUBLIC, ops::openApi)));
        if (benchNoopEndpoint) {
            // the same access as /v1/check, so that both pay the same auth
            table.add(new Endpoint(HttpMethod.POST, NoopHandler.PATH, Access.CLIENT, NoopHandler::answer));
        }
        this.endpoints = List.copyOf(table);
    }

    public List<Endpoint> endpoints() {
        return endpoints;
    }

    /** A router for one HTTP server instance (handlers are shared between instances). */
    public Router router(Vertx vertx) {
        Router router = Router.router(vertx);
        for (Endpoint e : endpoints) {
            router.route(e.method(), e.path())
                    .handler(ctx -> authenticate(ctx, e.access()))
                    .handler(ctx -> settings.get().body().handle(ctx))
                    .handler(e.handler())
                    .failureHandler(Problems::handleFailure);
        }
        router.errorHandler(404, ctx -> Problems.send(ctx, Problems.forStatus(404)));
        router.errorHandler(405, ctx -> Problems.send(ctx, Problems.forStatus(405)));
        router.errorHandler(500, Problems::handleFailure);
        return router;
    }

    /**
     * The HTTP server's request handler for one instance: the hot endpoints ({@link HotPath}) answered
     * before {@code router}, everything else by it.
     */
    public Handler<HttpServerRequest> requestHandler(Router router) {
        return new HotPath(router, settings, check, benchNoopEndpoint);
    }

    private void authenticate(RoutingContext ctx, Access access) {
        if (access != Access.PUBLIC) {
            Caller caller = settings.get().keys().authenticate(ctx.request().getHeader("Authorization"));
            ApiKeys.authorize(caller, access);
            ctx.put(Caller.class.getName(), caller);
        }
        ctx.next();
    }
}
