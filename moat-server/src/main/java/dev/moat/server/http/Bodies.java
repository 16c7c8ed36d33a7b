package dev.moat.server.http;

import dev.moat.core.CheckRequest;
import dev.moat.core.policy.Realm;
import io.vertx.ext.web.RoutingContext;

/**
 * Bounds on request fields, and the parsing shared by several endpoints. Bounds are generous for
 * real use and small enough that no field costs much to handle.
 */
final class Bodies {
    static final int NAME_CHARS = 128;        // action, realm, type, kind
    static final int ID_CHARS = 512;          // user, server, appservice, subject, jti, lease
    static final int IP_CHARS = 128;          // an address with a port, in any textual form
    static final int EMAIL_CHARS = 320;
    static final int USER_AGENT_CHARS = 2048;
    static final int TEXT_CHARS = 64 * 1024;  // message text
    static final int DETAIL_CHARS = 2048;     // free text: reasons, details
    static final long MAX_COST = 1L << 40;    // a terabyte, for byte budgets

    private Bodies() {
    }

    static JsonBody of(RoutingContext ctx) {
        return JsonBody.parse(ctx.body() == null ? null : ctx.body().buffer());
    }

    static Realm realm(JsonBody b) {
        String realm = b.string("realm", NAME_CHARS, false);
        if (realm == null) {
            return Realm.CLIENT;
        }
        try {
            return Realm.fromWire(realm);
        } catch (IllegalArgumentException e) {
            b.reject("realm", "must be client or federation, was '" + realm + "'");
            return Realm.CLIENT;
        }
    }

    /** The body of {@code POST /v1/check}. */
    static CheckRequest checkRequest(JsonBody b) {
        String action = b.string("action", NAME_CHARS, true);
        CheckRequest.Builder r = CheckRequest.builder(action)
                .realm(realm(b))
                .user(b.string("user", ID_CHARS, false))
                .ip(b.string("ip", IP_CHARS, false))
                .server(b.string("server", ID_CHARS, false))
                .appservice(b.string("appservice", ID_CHARS, false))
                .email(b.string("email", EMAIL_CHARS, false))
                .userAgent(b.string("user_agent", USER_AGENT_CHARS, false))
                .model(b.string("endpoint", NAME_CHARS * 2, false), b.string("model", NAME_CHARS * 2, false))
                .dryRun(b.bool("dry_run", false));
        Long cost = b.integer("cost", 0, MAX_COST);
        if (cost != null) {
            r.cost(cost);
        }
        JsonBody m = b.object("message");
        if (m != null) {
            String text = m.string("text", TEXT_CHARS, false);
            String to = m.string("to", ID_CHARS, false);
            String room = m.string("room", ID_CHARS, false);
            String kind = m.string("kind", NAME_CHARS, false);
            boolean dm = to != null;
            if (kind != null) {
                switch (kind) {
                    case "dm" -> dm = true;
                    case "public" -> dm = false;
                    default -> m.reject("kind", "must be dm or public, was '" + kind + "'");
                }
            }
            if (dm && to == null) {
                m.reject("to", "is required for a dm");
            }
            r.message(new CheckRequest.Message(text == null ? "" : text, to, room, dm));
        }
        b.check();
        return r.build();
    }
}
