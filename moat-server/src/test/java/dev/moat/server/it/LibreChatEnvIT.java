package dev.moat.server.it;

import dev.moat.server.JarHttp;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * End to end with LibreChat's moderation variables: {@code moat serve --env-file .env} maps
 * LOGIN_MAX/LOGIN_WINDOW, REGISTER_MAX, BAN_INTERVAL and BAN_DURATION (in its arithmetic form) onto
 * the config, and {@code moat config explain} prints the mapping.
 */
class LibreChatEnvIT {
    static JarServer s;
    static Path env;

    @BeforeAll
    static void start() throws IOException {
        s = JarServer.create();
        env = s.dir.resolve(".env");
        Files.writeString(env, """
                # LibreChat .env (moderation section)
                BAN_VIOLATIONS=true
                BAN_DURATION=1000 * 60 * 60 * 2
                BAN_INTERVAL=2
                LOGIN_VIOLATION_SCORE=1
                LOGIN_MAX=7
                LOGIN_WINDOW=5
                REGISTER_MAX=2
                REGISTER_WINDOW=60
                """);
        s.writeConfig(s.standardYaml(""));
        s.start("--env-file", env.toString());
    }

    @AfterAll
    static void stop() {
        if (s != null) {
            s.close();
        }
    }

    @Test
    void eightLoginsFromOneIpInFiveMinutesWithLoginMax7GiveARefusalWithRetryAfterAndALoginsViolation() {
        String login = "{\"action\":\"login\",\"ip\":\"203.0.113.50\",\"email\":\"lc@example.org\"}";
        for (int i = 1; i <= 7; i++) {
            JsonNode d = s.client("POST", "/v1/check", login).json();
            assertThat(d.get("allowed").asBoolean()).as("login %d", i).isTrue();
            assertThat(d.get("limits").get(0).get("max").asLong()).isEqualTo(7);
            assertThat(d.get("limits").get(0).get("window_ms").asLong()).isEqualTo(300_000);
        }
        JarHttp.Answer r = s.client("POST", "/v1/check", login);
        JsonNode d = r.json();
        assertThat(d.get("allowed").asBoolean()).isFalse();
        assertThat(d.get("verdict").asText()).isEqualTo("deny");
        assertThat(d.get("reason").asText()).isEqualTo("rate_limited");
        assertThat(d.get("retry_after_ms").asLong()).isBetween(1L, 300_000L);
        assertThat(d.get("violation").get("type").asText()).isEqualTo("logins");
        assertThat(d.get("violation").get("total").asLong()).isEqualTo(1);
        assertThat(r.header("Retry-After")).isNotNull();

        // BAN_INTERVAL=2: the second violation bans the address for BAN_DURATION = 2h
        JsonNode ban = s.client("POST", "/v1/check", login).json();
        assertThat(ban.get("verdict").asText()).isEqualTo("ban");
        assertThat(ban.get("ban").get("subject").asText()).isEqualTo("ip:203.0.113.50");
        assertThat(ban.get("retry_after_ms").asLong()).isBetween(7_100_000L, 7_200_000L);
    }

    @Test
    void registerMaxApplies() {
        String reg = "{\"action\":\"registration\",\"ip\":\"203.0.113.60\"}";
        assertThat(s.client("POST", "/v1/check", reg).json().get("allowed").asBoolean()).isTrue();
        assertThat(s.client("POST", "/v1/check", reg).json().get("allowed").asBoolean()).isTrue();
        JsonNode third = s.client("POST", "/v1/check", reg).json();
        assertThat(third.get("allowed").asBoolean()).isFalse();
        assertThat(third.get("limit").get("max").asLong()).isEqualTo(2);
        assertThat(third.get("limit").get("window_ms").asLong()).isEqualTo(3_600_000);
        assertThat(third.get("violation").get("type").asText()).isEqualTo("registrations");
    }

    @Test
    void theEffectiveConfigShowsTheMappedValues() {
        JsonNode c = s.admin("GET", "/v1/config", null).json();
        assertThat(c.get("bans").get("interval").asLong()).isEqualTo(2);
        assertThat(c.get("bans").get("duration").asText()).isEqualTo("2h");
        assertThat(c.get("violations").get("anonymous").asText()).isEqualTo("ip");
    }

    @Test
    void configExplainPrintsTheMapping() throws Exception {
        Process p = s.launch(List.of("config", "explain", "--config", s.config.toString(), "--env-file", env.toString()));
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(JarServer.awaitExit(p, 30)).isZero();
        String printed = out.isEmpty() ? Files.readString(s.dir.resolve("stdout.txt")) : out;
        assertThat(printed).contains("LOGIN_MAX").contains("BAN_INTERVAL").contains("bans.interval")
                .contains("1000 * 60 * 60 * 2");
    }
}
