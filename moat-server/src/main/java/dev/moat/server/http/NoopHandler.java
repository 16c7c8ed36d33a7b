package dev.moat.server.http;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code POST /v1/noop}, a benchmarking aid served only when {@code server.bench_noop_endpoint} is
 * true: the same server, dispatch ({@link HotPath}, or the router), auth and body handling as
 * {@code /v1/check}, then a fixed answer of about the size of a decision, without parsing the body
 * or deciding anything. The throughput of {@code /v1/check} divided by this endpoint's is the share
 * of the HTTP stack that a decision leaves (bench/run.sh, step {@code http}).
 */
final class NoopHandler {
    static final String PATH = "/v1/noop";
    private static final Buffer ANSWER = Buffer.buffer("{\"allowed\":true,\"verdict\":\"allow\",\"noop\":true}");

    private NoopHandler() {
    }

    static void answer(RoutingContext ctx) {
        answer(ctx.response());
    }

    static void answer(HttpServerResponse res) {
        Respond.jsonBytes(res, 200, ANSWER.copy());
    }
}
