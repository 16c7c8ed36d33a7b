package dev.moat.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.function.Supplier;

/** {@code GET /healthz}, {@code GET /metrics} and {@code GET /openapi.json}: open to every caller. */
final class OpsHandler {
    static final String OPENAPI_RESOURCE = "/openapi.json";
    private static final String PROMETHEUS_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final Supplier<Health> health;
    private final Supplier<String> metrics;
    private final Supplier<String> version;
    private final long startedAtMillis = System.currentTimeMillis();
    private final Buffer openApi;

    OpsHandler(Supplier<Health> health, Supplier<String> metrics, Supplier<String> version) {
        this.health = health;
        this.metrics = metrics;
        this.version = version;
        this.openApi = Buffer.buffer(openApiBytes());
    }

    static byte[] openApiBytes() {
        try (InputStream in = OpsHandler.class.getResourceAsStream(OPENAPI_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("resource " + OPENAPI_RESOURCE + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void healthz(RoutingContext ctx) {
        Health h = health.get();
        ObjectNode o = Json.object();
        o.put("status", h.ok() ? "ok" : "unavailable");
        o.put("store", h.store());
        o.put("state_store", h.stateStore());
        o.put("bans_active", h.bansActive());
        if (h.redisUp() != null) {
            o.put("redis_up", h.redisUp());
            o.put("fallback_active", h.fallbackActive());
        }
        o.put("config_version", version.get());
        o.put("uptime_ms", System.currentTimeMillis() - startedAtMillis);
        if (h.ok()) {
            Respond.json(ctx, 200, o);
            return;
        }
        o.put("type", "urn:moat:problem:store-unavailable");
        o.put("title", "Service Unavailable");
        o.put("status", 503);
        o.put("detail", h.problem());
        ctx.response().setStatusCode(503).putHeader("Content-Type", Problems.CONTENT_TYPE).end(Json.buffer(o));
    }

    void metrics(RoutingContext ctx) {
        ctx.response().putHeader("Content-Type", PROMETHEUS_TYPE).end(metrics.get());
    }

    void openApi(RoutingContext ctx) {
        ctx.response().putHeader("Content-Type", "application/json").end(openApi);
    }
}
