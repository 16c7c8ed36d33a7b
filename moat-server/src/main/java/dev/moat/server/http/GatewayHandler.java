package dev.moat.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code POST /v1/gateway/disconnect} (admin): "disconnect this user now" on every node. The
 * user's WebSocket connections through this node's gateway close at once (code 4000 by default),
 * and in a fleet every other node's gateway closes theirs when the message reaches it.
 */
final class GatewayHandler {
    private final GatewayControl gateway;

    GatewayHandler(GatewayControl gateway) {
        this.gateway = gateway;
    }

    void disconnect(RoutingContext ctx) {
        JsonBody b = Bodies.of(ctx);
        String user = b.string("user", Bodies.ID_CHARS, true);
        String reason = b.string("reason", Bodies.DETAIL_CHARS, false);
        if (user != null) {
            String id = user.startsWith("user:") ? user.substring(5) : user;
            if (id.isEmpty()) {
                b.reject("user", "must name a user after 'user:'");
            } else if (id.isBlank()) {
                b.reject("user", "must not be blank");
            }
        }
        b.check();
        String id = user.startsWith("user:") ? user.substring(5) : user;
        Future.fromCompletionStage(gateway.disconnectUser(id, reason), ctx.vertx().getOrCreateContext())
                .onComplete(ar -> {
                    if (ar.failed()) {
                        ctx.fail(ar.cause());
                        return;
                    }
                    GatewayControl.Disconnected d = ar.result();
                    ObjectNode o = Json.object();
                    o.put("user", id);
                    o.put("closed", d.closedHere());
                    o.put("gateway", d.gatewayHere());
                    o.put("broadcast", d.broadcast());
                    if (d.broadcastError() != null) {
                        o.put("broadcast_error", d.broadcastError());
                    }
                    Respond.json(ctx, 200, o);
                });
    }
}
