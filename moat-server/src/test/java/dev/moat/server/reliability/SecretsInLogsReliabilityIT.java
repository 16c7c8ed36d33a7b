package dev.moat.server.reliability;

import dev.moat.server.JarHttp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Starts the jar with known secrets (both API keys, the moderation API key, a Redis password in
 * the URI, a webhook URL with a token, and a private message's text), drives every path that
 * logs (refusals, bans, the webhook and moderation failing, wrong keys, reloads good and bad by
 * API and SIGHUP, a config error at start, shutdown), and then greps every line the processes
 * wrote to stdout and stderr, and every admin answer that shows the config or its errors, for
 * each secret. None may appear.
 */
class SecretsInLogsReliabilityIT {
    static final String MODERATION_KEY = "sk-rel-moderation-S3CRET-0123456789";
    static final String REDIS_PASSWORD = "redis-S3CRET-pass-0123456789";
    static final String WEBHOOK_TOKEN = "hook-S3CRET-token-0123456789";
    /** A Discord-style webhook keeps its token in the path. */
    static final String WEBHOOK_PATH_TOKEN = "hookPath-S3CRET-0123456789";
    static final String MESSAGE_TEXT = "msg-S3CRET-text-0123456789";

    private final List<MoatProcess> processes = new ArrayList<>();

    @AfterEach
    void stop() {
        processes.forEach(MoatProcess::close);
    }

    static Map<String, String> env() {
        return Map.of("OPENAI_MODERATION_API_KEY", MODERATION_KEY, "REDIS_PASSWORD", REDIS_PASSWORD);
    }

    static String config(MoatProcess p, int deadPort, String webhookUrl, String redisUri, String timeout) {
        return p.yaml("  redis: {uri: \"" + redisUri + "\"}\n", """
                rate_limits:
                  preset: none
                  client:
                    target:
                      login: {max: 1, per: 1h, by: ip}
                      message: {max: 50, per: 1h, by: user}
                bans: {interval: 2, duration: 1h}
                moderation:
                  enabled: true
                  url: http://127.0.0.1:%d/v1/moderations
                  api_key: ${OPENAI_MODERATION_API_KEY}
                  timeout: %s
                  on_error: deny
                webhook:
                  url: "%s"
                  timeout: 500ms
                  max_attempts: 2
                """.formatted(deadPort, timeout, webhookUrl));
    }

    @Test
    void noSecretAppearsInAnyLogLineOrInTheConfigTheApiShows() {
        int dead = MoatProcess.freePort();
        String goodHook = "http://127.0.0.1:" + dead + "/api/webhooks/" + WEBHOOK_PATH_TOKEN + "?token=" + WEBHOOK_TOKEN;
        String goodRedis = "redis://moat:${REDIS_PASSWORD}@127.0.0.1:" + dead + "/0";
        MoatProcess moat = new MoatProcess();
        processes.add(moat);
        moat.writeConfig(config(moat, dead, goodHook, goodRedis, "500ms"));
        moat.start(env());
        List<String> shown = new ArrayList<>();

        // refusals, violations, bans (each ban goes to the dead webhook), moderation failing closed
        for (int i = 0; i < 4; i++) {
            moat.client("POST", "/v1/check", "{\"action\":\"login\",\"ip\":\"203.0.113.50\",\"email\":\"a@example.org\"}");
        }
        JarHttp.Answer mod = moat.client("POST", "/v1/check", "{\"action\":\"message\",\"user\":\"alice\",\"ip\":\"192.0.2.1\","
                + "\"message\":{\"text\":\"" + MESSAGE_TEXT + " https://example.org/x\",\"to\":\"bob\",\"kind\":\"dm\"}}");
        assertThat(mod.json().path("reason").asText()).isEqualTo("moderation_unavailable");
        moat.admin("POST", "/v1/bans", "{\"subject\":\"user:mallory\",\"duration\":\"1h\",\"reason\":\"test\"}");
        moat.client("POST", "/v1/violations", "{\"type\":\"spam\",\"user\":\"mallory2\",\"score\":5}");

        // wrong keys, near misses of the real ones
        for (String wrong : List.of(MoatProcess.ADMIN_KEY + "x", MoatProcess.ADMIN_KEY.substring(1),
                MoatProcess.CLIENT_KEY.toUpperCase(java.util.Locale.ROOT))) {
            assertThat(moat.call("GET", "/v1/bans", null, wrong).status()).isEqualTo(401);
            assertThat(moat.call("POST", "/v1/check", "{\"action\":\"login\",\"ip\":\"1.2.3.4\"}", wrong).status()).isEqualTo(401);
        }
        assertThat(moat.client("GET", "/v1/config", null).status()).isEqualTo(403);

        // the effective config, and reloads: by API, by SIGHUP, and invalid ones naming secret-bearing values
        JarHttp.Answer cfg = moat.admin("GET", "/v1/config", null);
        assertThat(cfg.status()).isEqualTo(200);
        assertThat(cfg.body()).contains("moderation").contains("webhook").contains("redis");
        shown.add(cfg.body());
        assertThat(moat.admin("POST", "/v1/config/reload", null).status()).isEqualTo(200);
        assertThat(MoatProcess.run("kill", "-HUP", Long.toString(moat.pid()))).isZero();
        MoatProcess.sleep(1_000);
        String badHook = "ftp://127.0.0.1:" + dead + "/api/webhooks/" + WEBHOOK_PATH_TOKEN + "?token=" + WEBHOOK_TOKEN;
        String badRedis = "redis://moat:${REDIS_PASSWORD}@127.0.0.1:notaport/0";
        moat.writeConfig(config(moat, dead, badHook, badRedis, "forever"));
        JarHttp.Answer bad = moat.admin("POST", "/v1/config/reload", null);
        assertThat(bad.status()).as(bad.body()).isEqualTo(400);
        shown.add(bad.body());
        assertThat(MoatProcess.run("kill", "-HUP", Long.toString(moat.pid()))).isZero();
        MoatProcess.sleep(1_000);
        shown.add(moat.admin("GET", "/v1/config", null).body());
        moat.writeConfig(config(moat, dead, goodHook, goodRedis, "500ms"));
        assertThat(moat.admin("POST", "/v1/config/reload", null).status()).isEqualTo(200);
        MoatProcess.sleep(1_500); // the webhook's retries give up and say so
        assertThat(moat.stop()).isIn(0, 143);

        // a node that refuses to start on the invalid file
        MoatProcess refused = new MoatProcess();
        processes.add(refused);
        refused.writeConfig(config(refused, dead, badHook, badRedis, "forever"));
        try {
            refused.start(env());
            throw new AssertionError("started on an invalid config");
        } catch (IllegalStateException expected) {
            assertThat(refused.log()).contains("webhook");
        }

        List<String> lines = new ArrayList<>(moat.lines());
        lines.addAll(refused.lines());
        assertThat(lines).as("the processes wrote their logs").hasSizeGreaterThan(10);
        System.out.printf("secrets: %d log lines and %d admin answers grepped for %d secrets%n", lines.size(),
                shown.size(), secrets().size());
        for (String secret : secrets()) {
            for (String line : lines) {
                assertThat(line).as("a log line").doesNotContain(secret);
            }
            for (String body : shown) {
                assertThat(body).as("an admin answer").doesNotContain(secret);
            }
        }
    }

    /** Each secret, and the forms it could be logged in (URL-encoded, base64 as in a Basic header). */
    static List<String> secrets() {
        List<String> out = new ArrayList<>();
        for (String s : List.of(MoatProcess.ADMIN_KEY, MoatProcess.CLIENT_KEY, MODERATION_KEY, REDIS_PASSWORD,
                WEBHOOK_TOKEN, WEBHOOK_PATH_TOKEN, MESSAGE_TEXT)) {
            out.add(s);
            out.add(URLEncoder.encode(s, StandardCharsets.UTF_8));
            out.add(Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8)).substring(0, 16));
        }
        return out;
    }
}
