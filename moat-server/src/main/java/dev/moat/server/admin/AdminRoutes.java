package dev.moat.server.admin;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.core.Moat;
import dev.moat.server.config.MoatConfig;
import dev.moat.server.http.Access;
import dev.moat.server.http.ApiException;
import dev.moat.server.http.ApiKeys;
import dev.moat.server.http.Caller;
import dev.moat.server.http.ConfigControl;
import dev.moat.server.http.HttpSettings;
import dev.moat.server.http.Json;
import dev.moat.server.http.Offload;
import dev.moat.server.http.Problems;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The admin page and the two admin-only endpoints it needs beyond the public API, mounted on each
 * HTTP server instance's router by {@link #mount(Router)}:
 *
 * <ul>
 *   <li>{@code GET /admin} (and {@code /admin/}, {@code /admin/<asset>}): the page, public (it holds no data;
 *       everything it shows comes from admin calls made with the key the operator types in);</li>
 *   <li>{@code GET /v1/events} (admin): refusals as server-sent events, replaying after {@code Last-Event-ID};</li>
 *   <li>{@code GET /v1/admin/summary} (admin): node and store health, active ban count, top offenders,
 *       recent refusals, preset and config version.</li>
 * </ul>
 *
 * One instance is shared by every server instance; it owns the {@link RefusalFeed}, registered on
 * the engine once by {@link #create}. Nothing here logs a request header, and the key is only ever
 * read from {@code Authorization} (never from a query string, so it cannot end up in an access
 * log, a browser's history or a {@code Referer}).
 */
public final class AdminRoutes {
    /** Open event streams allowed at once; more answer 503 (each holds a connection and a timer). */
    static final int MAX_STREAMS = 64;
    static final int DEFAULT_TOP = 10;
    static final int MAX_TOP = 100;
    static final int DEFAULT_RECENT = 50;

    private final Moat moat;
    private final Offload offload;
    private final ConfigControl config;
    private final AtomicReference<HttpSettings> http;
    private final HealthSource health;
    private final RefusalFeed feed;
    private final StaticAssets assets = new StaticAssets();
    private final String node = nodeName();
    private final String version = version();

    AdminRoutes(Moat moat, Offload offload, ConfigControl config, AtomicReference<HttpSettings> http,
                HealthSource health, RefusalFeed feed) {
        this.moat = moat;
        this.offload = offload;
        this.config = config;
        this.http = http;
        this.health = health;
        this.feed = feed;
    }

    /**
     * Builds the admin routes and registers their refusal feed on {@code moat}. Call once, in the
     * composition root; then {@link #mount(Router)} on every router.
     *
     * @param moat    the engine (refusals, top offenders, ban count)
     * @param offload where store calls run
     * @param config  the running config (preset, version)
     * @param http    the live keys: streams and summaries are admin-only
     * @param health  the stores' health
     */
    public static AdminRoutes create(Moat moat, Offload offload, ConfigControl config,
                                     AtomicReference<HttpSettings> http, HealthSource health) {
        RefusalFeed feed = new RefusalFeed(RefusalFeed.DEFAULT_CAPACITY, () -> moat.clock().nowMillis());
        moat.addListener(feed);
        return new AdminRoutes(moat, offload, config, http, health, feed);
    }

    public RefusalFeed feed() {
        return feed;
    }

    /** Adds the page, {@code /v1/events} and {@code /v1/admin/summary} to {@code router}. */
    public Router mount(Router router) {
        StaticAssets.Asset index = assets.get("index.html");
        router.route(HttpMethod.GET, "/admin").handler(ctx -> StaticAssets.serve(ctx, index));
        router.route(HttpMethod.GET, "/admin/").handler(ctx -> StaticAssets.serve(ctx, index));
        for (StaticAssets.Asset a : assets.all().values()) {
            router.route(HttpMethod.GET, "/admin/" + a.name()).handler(ctx -> StaticAssets.serve(ctx, a));
        }
        router.route(HttpMethod.GET, "/v1/events").handler(this::events).failureHandler(Problems::handleFailure);
        router.route(HttpMethod.GET, "/v1/admin/summary").handler(this::summary)
                .failureHandler(Problems::handleFailure);
        return router;
    }

    /** 401/403 as problems (thrown, so the failure handler renders them). */
    private Caller admin(RoutingContext ctx) {
        Caller caller = http.get().keys().authenticate(ctx.request().getHeader("Authorization"));
        ApiKeys.authorize(caller, Access.ADMIN);
        return caller;
    }

    void events(RoutingContext ctx) {
        admin(ctx);
        HttpSettings keysAtStart = http.get();
        if (feed.subscribers() >= MAX_STREAMS) {
            throw new ApiException(503, "too-many-streams", "already " + MAX_STREAMS
                    + " event streams open on this node; close one and retry", null);
        }
        long after = lastEventId(ctx.request().getHeader("Last-Event-ID"));
        SecurityHeaders.api(ctx.response());
        EventStream stream = new EventStream(ctx.response(), ctx.vertx().getOrCreateContext(),
                () -> http.get() == keysAtStart);
        // a graceful shutdown waits for open requests: end the stream instead of holding it up
        ctx.request().connection().shutdownHandler(v -> stream.end());
        stream.open(feed, after);
    }

    /**
     * The id to replay after: absent or unreadable means "live only" (-1). An id above the newest
     * means the feed restarted under the page (a server restart): replay what the ring holds.
     */
    long lastEventId(String header) {
        if (header == null || header.isBlank() || header.length() > 19) {
            return -1;
        }
        long id;
        try {
            id = Long.parseLong(header.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
        if (id < 0) {
            return -1;
        }
        return id > feed.lastId() ? 0 : id;
    }

    void summary(RoutingContext ctx) {
        admin(ctx);
        int top = intParam(ctx, "top", DEFAULT_TOP, MAX_TOP);
        int recent = intParam(ctx, "recent", DEFAULT_RECENT, feed.capacity());
        offload.blocking(() -> moat.topOffenders(top)).onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause());
                return;
            }
            SecurityHeaders.api(ctx.response());
            ctx.response().putHeader("Content-Type", "application/json").end(Json.buffer(summaryJson(ar.result(), recent)));
        });
    }

    ObjectNode summaryJson(List<Map.Entry<String, Double>> offenders, int recent) {
        MoatConfig c = config.current();
        ObjectNode o = Json.object();
        long now = System.currentTimeMillis();
        long started = ManagementFactory.getRuntimeMXBean().getStartTime();

        ObjectNode n = o.putObject("node");
        n.put("name", node);
        n.put("version", version);
        n.put("java", System.getProperty("java.version"));
        n.put("started_at", Json.instant(started));
        n.put("uptime_ms", now - started);
        n.put("config_version", c.version());
        n.put("event_streams", feed.subscribers());

        HealthSource.StoreHealth h = health.storeHealth();
        ObjectNode s = o.putObject("store");
        s.put("status", h.ok() ? "ok" : "unavailable");
        s.put("kind", h.store());
        s.put("state_store", h.stateStore());
        s.put("problem", h.problem());
        if (h.redisUp() != null) {
            s.put("redis", h.redisUp() ? "up" : "down");
        }
        if (h.fallbackActive() != null) {
            s.put("fallback_active", h.fallbackActive());
        }

        o.put("bans_active", moat.activeBanCount());
        o.put("preset", c.policy().rateLimits().preset());

        ArrayNode top = o.putArray("top_offenders");
        for (Map.Entry<String, Double> e : offenders) {
            ObjectNode t = top.addObject().put("subject", e.getKey());
            Json.putNumber(t, "score", Math.round(e.getValue() * 100) / 100.0);
        }
        ArrayNode r = o.putArray("recent_refusals");
        for (RefusalEvent e : feed.recent(recent)) {
            r.add(e.toJson());
        }
        o.put("last_event_id", feed.lastId());
        return o;
    }

    private static int intParam(RoutingContext ctx, String name, int dflt, int max) {
        List<String> values = ctx.queryParam(name);
        if (values.isEmpty()) {
            return dflt;
        }
        String v = values.get(0);
        try {
            int n = Integer.parseInt(v);
            if (n >= 0 && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw ApiException.invalid(name, "must be an integer from 0 to " + max);
    }

    private static String nodeName() {
        String h = System.getenv("HOSTNAME");
        return h == null || h.isBlank() ? "this node" : h;
    }

    private static String version() {
        String v = AdminRoutes.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
