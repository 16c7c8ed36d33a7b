package dev.moat.server.reliability;

import dev.moat.server.TestServer;
import dev.moat.server.config.MoatConfig;
import dev.moat.server.config.ServerSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Idle and slow clients are cut by {@code server.idle_timeout}, here set to its minimum (1 s) so the
 * run stays short; the default (120 s) is the same code path with a larger number. The bounds below
 * are generous deadlines for a loaded machine, not timings: the assertion is that the server closes
 * the connection at all, while a good client keeps being answered.
 */
class IdleTimeoutReliabilityTest {
    static final long IDLE_TIMEOUT_MILLIS = 1_000;
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        MoatConfig base = TestServer.config(TestServer.keys(), TestServer.policy(), 64 * 1024);
        s = TestServer.of(new MoatConfig(new ServerSettings("127.0.0.1", 0, TestServer.keys(), List.of(), 64 * 1024,
                false, false, IDLE_TIMEOUT_MILLIS), base.store(), base.policy(), null, null, "test-idle"));
    }

    @AfterAll
    static void stop() {
        if (s != null) {
            s.close();
        }
    }

    @Test
    void anIdleConnectionIsClosed() {
        try (RawHttp c = new RawHttp(s.server.port())) {
            assertThat(c.closedWithin(60_000)).as("closed by the idle timeout").isTrue();
        }
        assertGoodClientAnswered();
    }

    @Test
    void aConnectionThatSentHalfARequestAndWentQuietIsClosed() {
        try (RawHttp c = new RawHttp(s.server.port())) {
            c.send("POST /v1/check HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"action\":");
            assertThat(c.closedWithin(60_000)).as("closed by the idle timeout").isTrue();
        }
        assertGoodClientAnswered();
    }

    /**
     * Slowloris: one header byte at a time, never finishing the request. Each byte arrives well
     * inside the idle timeout, so the connection is cut by the server's limit on how long a
     * request's head may take, which is the idle timeout counted from the first byte.
     */
    @Test
    void aClientTricklingItsHeadersIsCutOff() {
        try (RawHttp c = new RawHttp(s.server.port())) {
            c.send("POST /v1/check HTTP/1.1\r\nHost: x\r\n");
            long deadline = System.nanoTime() + 60_000_000_000L;
            boolean closed = false;
            while (!closed && System.nanoTime() < deadline) {
                // the pause is the stimulus: a byte every quarter of the idle timeout
                closed = !c.trySend("X") || c.closedWithin((int) (IDLE_TIMEOUT_MILLIS / 4));
            }
            assertThat(closed).as("cut off").isTrue();
        }
        assertGoodClientAnswered();
    }

    static void assertGoodClientAnswered() {
        TestServer.Res r = s.call("POST", "/v1/check", "{\"action\":\"login\",\"ip\":\"192.0.2.201\"}",
                TestServer.CLIENT_KEY);
        assertThat(r.status()).as("the server still answers a good request").isEqualTo(200);
    }
}
