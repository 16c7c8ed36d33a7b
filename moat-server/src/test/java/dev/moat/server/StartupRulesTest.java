package dev.moat.server;

import dev.moat.core.policy.MoatPolicy;
import dev.moat.server.config.MoatConfig;
import dev.moat.server.config.ServerSettings;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The server refuses to start open to the network, and says why a port cannot be used. */
class StartupRulesTest {

    static MoatConfig listening(String host, int port, boolean keys) {
        return new MoatConfig(new ServerSettings(host, port, keys ? TestServer.keys() : List.of(), List.of(), 65536, false),
                TestServer.store(), TestServer.policy(), null, null, "t");
    }

    @Test
    void aPublicListenerWithoutKeysIsRefusedWithExitCodeTwo() {
        MoatConfig c = listening("0.0.0.0", 0, false);
        assertThatThrownBy(() -> MoatServer.start(() -> c, c))
                .isInstanceOfSatisfying(StartupException.class, e -> {
                    assertThat(e.exitCode()).isEqualTo(2);
                    assertThat(e.getMessage()).contains("api_keys").contains("0.0.0.0");
                });
    }

    @Test
    void aPublicListenerWithKeysStarts() throws Exception {
        MoatConfig c = listening("0.0.0.0", 0, true);
        try (MoatServer s = MoatServer.start(() -> c, c)) {
            assertThat(s.port()).isPositive();
        }
    }

    @Test
    void aPortInUseIsExitCodeOne() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            MoatConfig c = listening("127.0.0.1", taken.getLocalPort(), false);
            assertThatThrownBy(() -> MoatServer.start(() -> c, c))
                    .isInstanceOfSatisfying(StartupException.class, e -> assertThat(e.exitCode()).isEqualTo(1));
        }
    }

    @Test
    void badTrustedProxiesAreRefused() {
        MoatConfig c = new MoatConfig(new ServerSettings("127.0.0.1", 0, List.of(), List.of("10.0.0.0/99"), 65536, false),
                TestServer.store(), null, null, null, "t");
        assertThatThrownBy(() -> MoatServer.start(() -> c, c)).isInstanceOf(StartupException.class)
                .hasMessageContaining("trusted_proxies");
    }
}
