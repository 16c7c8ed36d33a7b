package dev.moat.server.config;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Regression (found by SecretsInLogsReliabilityIT): a webhook or moderation URL that failed
 * validation was quoted in the config error with only its credentials masked, so a token in its
 * query string ({@code ?token=...}, the usual place for a webhook's secret) reached the log of a
 * refused start or reload and the 400 answer of {@code POST /v1/config/reload}. The settings'
 * {@code toString} showed it too. Errors and {@code toString} now mask credentials and the query,
 * as {@code /v1/config} does.
 */
class UrlQuerySecretsInConfigErrorsTest {

    @Test
    void anInvalidWebhookOrModerationUrlIsQuotedWithoutItsQueryOrCredentials() {
        assertThatThrownBy(() -> ConfigLoader.parse("""
                webhook: {url: "ftp://hook-user:hook-pass@hooks.example/moat?token=hook-token-secret"}
                moderation: {url: "gopher://api.example/v1?key=mod-key-secret"}
                """, "moat.yaml", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("webhook.url").hasMessageContaining("ftp://hook-user:****@hooks.example/moat?****")
                .hasMessageContaining("moderation.url").hasMessageContaining("gopher://api.example/v1?****")
                .hasMessageNotContaining("hook-token-secret").hasMessageNotContaining("hook-pass")
                .hasMessageNotContaining("mod-key-secret");
    }

    @Test
    void theSettingsToStringMasksTheQueryToo() throws Exception {
        MoatConfig c = ConfigLoader.parse("""
                webhook: {url: "https://hooks.example/moat?token=hook-token-secret"}
                moderation: {url: "https://u:mod-pass@api.example/v1/moderations?key=mod-key-secret"}
                """, "moat.yaml", Map.of());
        String all = c.webhook() + " " + c.moderation();
        assertThat(all).doesNotContain("hook-token-secret").doesNotContain("mod-key-secret").doesNotContain("mod-pass")
                .contains("https://hooks.example/moat?****");
    }
}
