package dev.moat.server.http;

import dev.moat.core.CheckRequest;
import dev.moat.core.Decision;
import dev.moat.core.Moat;
import dev.moat.core.policy.Restrictions;
import io.vertx.core.Future;
import io.vertx.ext.web.RoutingContext;

/** {@code POST /v1/check}: one decision, always 200 when the request is valid, with the RateLimit fields. */
final class CheckHandler {
    private final Moat moat;
    private final Offload offload;

    CheckHandler(Moat moat, Offload offload) {
        this.moat = moat;
        this.offload = offload;
    }

    void check(RoutingContext ctx) {
        CheckRequest r = Bodies.checkRequest(Bodies.of(ctx));
        // a message may be sent to the moderation service: never on the event loop
        Future<Decision> decision = r.message() != null ? offload.blocking(() -> moat.check(r))
                : offload.decide(() -> moat.check(r));
        decision.onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause());
                return;
            }
            RateLimitFields.apply(ctx.response(), ar.result(), Restrictions.BYTE_BUDGETS.contains(r.action()));
            Respond.jsonBytes(ctx, 200, DecisionJson.buffer(ar.result()));
        });
    }
}
