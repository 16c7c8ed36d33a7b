package dev.moat.server;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The server prefers Netty's native epoll transport and says which transport it runs on. */
class TransportTest {
    @Test
    void epollWhereItLoadsElseNioWithTheReason() throws Exception {
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(true));
        try {
            String t = MoatServer.transport(vertx);
            boolean linuxX64 = System.getProperty("os.name").startsWith("Linux")
                    && System.getProperty("os.arch").matches("amd64|x86_64");
            if (linuxX64) {
                assertThat(t).isEqualTo("epoll");   // the jar ships the linux-x86_64 library
            } else {
                assertThat(t).startsWith("nio");
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get();
        }
    }

    @Test
    void nioWhenNativeIsNotAskedFor() throws Exception {
        Vertx vertx = Vertx.vertx(new VertxOptions().setPreferNativeTransport(false));
        try {
            assertThat(MoatServer.transport(vertx)).isEqualTo("nio");
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get();
        }
    }
}
