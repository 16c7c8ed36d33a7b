package dev.moat.server.http;

import dev.moat.core.CheckRequest;
import dev.moat.core.Decision;
import dev.moat.core.Moat;
import dev.moat.core.policy.Restrictions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code POST /v1/check}: one decision, always 200 when the request is valid, with the RateLimit fields.
 * Reached two ways with the same behaviour: by the router, and (the hot path) by {@link HotPath}
 * straight from the HTTP server's request handler.
 */
final class CheckHandler {
    private final Moat moat;
    private final Offload offload;

    CheckHandler(Moat moat, Offload offload) {
        this.moat = moat;
        this.offload = offload;
    }

    /** The router's handler. */
    void check(RoutingContext ctx) {
        check(ctx.body() == null ? null : ctx.body().buffer(), ctx.response(), ctx::fail);
    }

    /**
     * Decides on {@code body} and answers on {@code res}. Bad input throws (an {@link ApiException});
     * a failure after that goes to {@code failed}. A decision that stays in memory is made and
     * answered right here on the event loop, without a future or a callback.
     */
    void check(Buffer body, HttpServerResponse res, Failed failed) {
        CheckRequest r = CheckBody.parse(body);
        if (r.message() != null) {
            // a message may be sent to the moderation service: never on the event loop
            offload.blocking(() -> moat.check(r)).onComplete(ar -> answer(res, r, ar.result(), ar.cause(), failed));
            return;
        }
        Decision d;
        try {
            d = moat.check(r);
        } catch (Offload.OnWorker e) {
            // a refusal about to record its violation: the whole decision again, on a worker (see Offload)
            offload.blocking(() -> moat.check(r)).onComplete(ar -> answer(res, r, ar.result(), ar.cause(), failed));
            return;
        } catch (LoopGuardLimits.CountersPending pending) {
            // Redis's counters were asked without waiting: the decision again, here, with their answer
            Offload.afterCounters(pending, () -> moat.check(r), offload::blocking)
                    .onComplete(ar -> answer(res, r, ar.result(), ar.cause(), failed));
            return;
        } catch (RuntimeException e) {
            failed.fail(e);
            return;
        }
        answer(res, r, d, null, failed);
    }

    private static void answer(HttpServerResponse res, CheckRequest r, Decision d, Throwable cause, Failed failed) {
        if (cause != null) {
            failed.fail(cause);
            return;
        }
        if (res.ended()) {
            return;
        }
        RateLimitFields.apply(res, d, Restrictions.BYTE_BUDGETS.contains(r.action()));
        Respond.jsonBytes(res, 200, DecisionJson.buffer(d));
    }

    /** Where a failure after parsing goes (the router's {@code ctx.fail}, or the hot path's problem writer). */
    @FunctionalInterface
    interface Failed {
        void fail(Throwable t);
    }
}
