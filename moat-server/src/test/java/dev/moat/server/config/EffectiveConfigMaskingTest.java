package dev.moat.server.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class EffectiveConfigMaskingTest {

    static final String SECRET_YAML = """
            server:
              listen: 0.0.0.0:7878
              api_keys:
                - {key: "client-key-0123456789", role: client, name: librechat}
                - {key: "admin-key-0123456789", role: admin}
            store:
              type: redis
              redis: {uri: "rediss://moat:redis-password-42@cache.internal:6380/0"}
            moderation:
              enabled: true
              api_key: sk-moderation-secret
              url: "https://user:url-password@mod.example/v1/moderations?token=query-secret"
            webhook:
              url: "https://hook-user:hook-password@hooks.example/moat?sig=hook-query-secret"
            """;

    static final List<String> SECRETS = List.of("client-key-0123456789", "admin-key-0123456789", "redis-password-42",
            "sk-moderation-secret", "url-password", "query-secret", "hook-password", "hook-query-secret");

    @Test
    void everySecretIsMasked() throws Exception {
        MoatConfig c = Configs.parse(SECRET_YAML);
        Map<String, Object> tree = ConfigLoader.effective(c);
        String json = new ObjectMapper().writeValueAsString(tree);
        String yaml = EffectiveConfig.yaml(tree);
        for (String secret : SECRETS) {
            assertThat(json).doesNotContain(secret);
            assertThat(yaml).doesNotContain(secret);
        }
        assertThat(json).contains("\"key\":\"****\"").contains("\"name\":\"librechat\"").contains("\"role\":\"admin\"")
                .contains("rediss://moat:****@cache.internal:6380/0")
                .contains("\"api_key\":\"****\"")
                .contains("https://user:****@mod.example/v1/moderations?****")
                .contains("https://hook-user:****@hooks.example/moat?****");
    }

    @Test
    void aWebhookUrlWithItsSecretInThePathIsMaskedInTheConfigAndInToString() throws Exception {
        String discord = "https://discord.com/api/webhooks/123456789012345678/Path-S3cret_token0123456789abcdefABCDEF";
        MoatConfig c = Configs.parse("webhook:\n  url: \"" + discord + "\"\n");
        String json = new ObjectMapper().writeValueAsString(ConfigLoader.effective(c));
        assertThat(json).doesNotContain("Path-S3cret").doesNotContain("123456789012345678")
                .contains("https://discord.com/api/webhooks/****/****");
        assertThat(c.webhook().toString()).doesNotContain("Path-S3cret").contains("discord.com");
    }

    @Test
    void toStringsOfTheRecordsMaskToo() {
        MoatConfig c = Configs.parse(SECRET_YAML);
        String all = c.server().apiKeys() + " " + c.store() + " " + c.moderation() + " " + c.webhook();
        for (String secret : List.of("client-key-0123456789", "admin-key-0123456789", "redis-password-42",
                "sk-moderation-secret", "hook-password")) {
            assertThat(all).doesNotContain(secret);
        }
    }

    @Test
    void anEmptyModerationKeyShowsEmptyNotMasked() {
        Map<String, Object> tree = EffectiveConfig.render(MoatConfig.defaults());
        assertThat(((Map<?, ?>) tree.get("moderation")).get("api_key")).isEqualTo("");
    }

    @Test
    void theEffectiveConfigUsesTheFilesSyntaxAndParsesBackToTheSameConfig() throws Exception {
        String yaml = """
                server:
                  listen: "[::1]:7000"
                  max_body: 1MB
                  trusted_proxies: [10.0.0.0/8]
                rate_limits:
                  preset: private_small
                  client:
                    target:
                      login: {max: 7, per: 5m, by: ip, algorithm: fixed_window}
                      media_upload: {max: 20MB, per: 1h}
                      join: {max: 5, per: 1m, burst: 2}
                      knock: {max: 5, per: 1h, algorithm: sliding_window, precision: 1m}
                    global:
                      invite: {max: 100, per: 1d}
                    concurrent:
                      message: {max: 2, lease: 60s}
                violations: {scores: {logins: 3}, half_life: 24h}
                bans: {escalation: {factor: 1.5, max: 7d}}
                filters:
                  - {name: spam, patterns: ["(?i)buy now"], where: [dm], action: censor, reply: "no"}
                request_checks:
                  non_browser: {actions: [message]}
                  models: {openAI: [gpt-4o]}
                """;
        MoatConfig c = Configs.parse(yaml);
        Map<String, Object> tree = EffectiveConfig.render(c);
        assertThat(((Map<?, ?>) tree.get("server")).get("listen")).isEqualTo("[::1]:7000");
        assertThat(((Map<?, ?>) tree.get("server")).get("max_body")).isEqualTo("1MB");
        String rendered = EffectiveConfig.yaml(tree);
        assertThat(rendered).contains("per: 5m").contains("max: 20MB").contains("precision: 1m").contains("burst: 2");
        // what GET /v1/config shows is a valid config file: minus `version`, it loads to the same policy
        @SuppressWarnings("unchecked")
        Map<String, Object> withoutVersion = new java.util.LinkedHashMap<>(tree);
        withoutVersion.remove("version");
        MoatConfig again = Configs.parse(EffectiveConfig.yaml(withoutVersion));
        assertThat(again.policy().rateLimits()).isEqualTo(c.policy().rateLimits());
        for (String type : java.util.List.of("logins", "non_browser", "message_limit")) {
            assertThat(again.policy().violations().scoreOf(type)).isEqualTo(c.policy().violations().scoreOf(type));
        }
        assertThat(again.policy().bans()).isEqualTo(c.policy().bans());
        assertThat(again.policy().requestChecks()).isEqualTo(c.policy().requestChecks());
        assertThat(again.server()).isEqualTo(c.server());
        Map<String, Object> renderedAgain = new java.util.LinkedHashMap<>(EffectiveConfig.render(again));
        renderedAgain.remove("version");
        assertThat(renderedAgain).isEqualTo(withoutVersion);
    }
}
