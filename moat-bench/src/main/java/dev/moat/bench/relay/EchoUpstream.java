package dev.moat.bench.relay;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;

import java.util.concurrent.TimeUnit;

/** The chat server of the relay benchmark: a Vert.x WebSocket server that sends every text message back. */
final class EchoUpstream implements AutoCloseable {
    private final HttpServer server;

    private EchoUpstream(HttpServer server) {
        this.server = server;
    }

    static EchoUpstream start(Vertx vertx) throws Exception {
        HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)
                .setTcpNoDelay(true).setCompressionSupported(false));
        server.webSocketHandler(ws -> ws.textMessageHandler(ws::writeTextMessage));
        server.requestHandler(req -> req.response().setStatusCode(404).end());
        server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return new EchoUpstream(server);
    }

    int port() {
        return server.actualPort();
    }

    @Override
    public void close() throws Exception {
        server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
