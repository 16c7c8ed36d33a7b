package dev.moat.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/** Writes successful answers; failures go to {@code ctx.fail} and from there to {@link Problems}. */
public final class Respond {
    private Respond() {
    }

    public static void json(RoutingContext ctx, int status, JsonNode body) {
        if (ctx.response().ended()) {
            return;
        }
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(Json.buffer(body));
    }

    /** A JSON body already rendered (the hot path of /v1/check, see {@link DecisionJson}). */
    static void jsonBytes(RoutingContext ctx, int status, io.vertx.core.buffer.Buffer body) {
        jsonBytes(ctx.response(), status, body);
    }

    /** The same on a bare response (the hot path, {@link HotPath}); header name and value are prebuilt. */
    static void jsonBytes(HttpServerResponse res, int status, io.vertx.core.buffer.Buffer body) {
        if (res.ended()) {
            return;
        }
        res.setStatusCode(status).putHeader(HttpHeaderNames.CONTENT_TYPE, HttpHeaderNames.JSON).end(body);
    }

    public static void noContent(RoutingContext ctx) {
        if (ctx.response().ended()) {
            return;
        }
        ctx.response().setStatusCode(204).end();
    }
}
