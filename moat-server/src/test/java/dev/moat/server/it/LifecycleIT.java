package dev.moat.server.it;

import dev.moat.server.JarHttp;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * End to end around the process: it refuses to start open to the network or on an invalid file
 * (exit 2); a ban acknowledged before SIGTERM is there after a restart (graceful shutdown flushes
 * SQLite); the CLI of the same jar talks to it with reliable exit codes.
 */
class LifecycleIT {

    @Test
    void refusesToStartOnAPublicAddressWithoutKeys() throws Exception {
        JarServer s = JarServer.create();
        s.writeConfig("server:\n  listen: 0.0.0.0:" + s.port + "\nstore:\n  data_dir: " + s.dir.resolve("data") + "\n");
        Process p = s.launch(List.of("serve", "--config", s.config.toString()));
        assertThat(JarServer.awaitExit(p, 30)).isEqualTo(2);
        assertThat(s.stderr()).contains("api_keys").contains("0.0.0.0");
    }

    @Test
    void refusesToStartOnAnInvalidFileListingEveryError() throws Exception {
        JarServer s = JarServer.create();
        s.writeConfig("server:\n  listen: 127.0.0.1:" + s.port + "\n  max_body: lots\nbans:\n  interval: 0\n  colour: red\n");
        Process p = s.launch(List.of("serve", "--config", s.config.toString()));
        assertThat(JarServer.awaitExit(p, 30)).isEqualTo(2);
        assertThat(s.stderr()).contains("server.max_body").contains("bans.interval").contains("bans.colour")
                .contains("line");
        Process check = s.launch(List.of("config", "check", "--config", s.config.toString()));
        assertThat(JarServer.awaitExit(check, 30)).isEqualTo(2);
    }

    @Test
    void aBanAcknowledgedBeforeSigtermIsThereAfterARestart() throws Exception {
        JarServer s = JarServer.create();
        s.writeConfig(s.standardYaml(null));
        Duration first = s.start();
        System.out.println("moat serve answered /healthz after " + first.toMillis() + " ms (first start, new data_dir)");
        JarHttp.Answer ban = s.admin("POST", "/v1/bans", "{\"subject\":\"user:persist\",\"duration\":\"1d\",\"reason\":\"kept\"}");
        assertThat(ban.status()).isEqualTo(201);
        s.client("POST", "/v1/violations", "{\"type\":\"spam\",\"user\":\"scored\",\"score\":3}");
        int code = s.stop();
        assertThat(code).isIn(0, 143);
        assertThat(s.stderr()).contains("\"event\":\"stopped\"");
        assertThat(Files.exists(s.dir.resolve("data").resolve("moat.db"))).isTrue();

        JarServer again = new JarServer(s.dir, s.port);
        Duration second = again.start();
        System.out.println("moat serve answered /healthz after " + second.toMillis() + " ms (restart)");
        try {
            assertThat(again.admin("GET", "/v1/bans?subject=persist", null).json().get("bans").get(0).get("reason").asText())
                    .isEqualTo("kept");
            assertThat(again.client("POST", "/v1/check", "{\"action\":\"message\",\"user\":\"persist\"}").json()
                    .get("reason").asText()).isEqualTo("banned");
            assertThat(again.admin("GET", "/v1/violations/user%3Ascored", null).json().get("scores").get("spam").asLong())
                    .isEqualTo(3);
            assertThat(again.call("GET", "/healthz", null, null).json().get("bans_active").asInt()).isEqualTo(1);

            // the CLI of the same jar against the running server
            List<String> remote = List.of("--url", again.url(), "--key", JarServer.ADMIN_KEY);
            assertThat(cli(again, "bans", remote)).isZero();
            assertThat(Files.readString(again.dir.resolve("stdout.txt"))).contains("user:persist");
            assertThat(cli(again, "check", List.of("--action", "message", "--user", "persist", "--url", again.url(),
                    "--key", JarServer.CLIENT_KEY))).isEqualTo(1);
            assertThat(cli(again, "bans", List.of("remove", "user:persist", "--url", again.url(), "--key",
                    JarServer.ADMIN_KEY))).isZero();
            assertThat(cli(again, "check", List.of("--action", "message", "--user", "persist", "--url", again.url(),
                    "--key", JarServer.CLIENT_KEY))).isZero();
            assertThat(cli(again, "bans", List.of("list", "--url", "http://127.0.0.1:" + JarServer.freePort(),
                    "--timeout", "2"))).isEqualTo(3);
            assertThat(again.stderr()).doesNotContain(JarServer.ADMIN_KEY).doesNotContain(JarServer.CLIENT_KEY);
        } finally {
            again.close();
        }
    }

    private static int cli(JarServer s, String command, List<String> args) {
        List<String> all = new java.util.ArrayList<>();
        all.add(command);
        if (command.equals("bans") && !args.isEmpty() && args.get(0).startsWith("--")) {
            all.add("list");
        }
        all.addAll(args);
        return JarServer.awaitExit(s.launch(all), 30);
    }
}
