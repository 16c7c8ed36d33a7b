package dev.moat.server.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.core.Moat;
import dev.moat.core.policy.Realm;
import io.vertx.ext.web.RoutingContext;

/** {@code POST /v1/concurrency/acquire} and {@code /release}: in-flight leases per user. */
final class ConcurrencyHandler {
    private final Moat moat;
    private final Offload offload;

    ConcurrencyHandler(Moat moat, Offload offload) {
        this.moat = moat;
        this.offload = offload;
    }

    void acquire(RoutingContext ctx) {
        JsonBody b = Bodies.of(ctx);
        String action = b.string("action", Bodies.NAME_CHARS, true);
        Realm realm = Bodies.realm(b);
        String user = b.string("user", Bodies.ID_CHARS, false);
        String ip = b.string("ip", Bodies.IP_CHARS, false);
        b.check();
        offload.decide(() -> moat.acquire(action, realm, user, ip)).onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause());
                return;
            }
            Moat.LeaseResult l = ar.result();
            if (!l.allowed()) {
                RateLimitFields.apply(ctx.response(), l.refusal(), false);
                Respond.json(ctx, 200, Wire.decision(l.refusal()));
                return;
            }
            ObjectNode o = Json.object();
            o.put("allowed", true);
            o.put("verdict", "allow");
            o.put("lease", l.lease());
            o.put("expires_at", Json.instant(l.expiresAtMillis()));
            Respond.json(ctx, 200, o);
        });
    }

    void release(RoutingContext ctx) {
        JsonBody b = Bodies.of(ctx);
        String lease = b.string("lease", Bodies.ID_CHARS, true);
        b.check();
        offload.decide(() -> {
            moat.release(lease);
            return null;
        }).onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause());
            } else {
                Respond.noContent(ctx);
            }
        });
    }
}
