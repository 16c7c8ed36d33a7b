package dev.moat.server.config;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class EnvExpansionTest {

    @Test
    void variablesAreExpandedInValues() {
        MoatConfig c = Configs.parse("""
                server:
                  listen: ${HOST}:${PORT}
                  api_keys:
                    - {key: "${MOAT_ADMIN_KEY}", role: admin}
                store:
                  type: redis
                  redis: {uri: "redis://:${REDIS_PASSWORD}@cache:6379"}
                """, Map.of("HOST", "0.0.0.0", "PORT", "9000", "MOAT_ADMIN_KEY", "k-0123456789abcdef",
                "REDIS_PASSWORD", "s3cret"));
        assertThat(c.server().host()).isEqualTo("0.0.0.0");
        assertThat(c.server().port()).isEqualTo(9000);
        assertThat(c.server().apiKeys().get(0).key()).isEqualTo("k-0123456789abcdef");
        assertThat(c.store().redis().uri()).isEqualTo("redis://:s3cret@cache:6379");
    }

    @Test
    void defaultsApplyWhenUnsetOrEmpty() {
        String yaml = "rate_limits:\n  client:\n    target:\n      login: {max: \"${LOGIN_MAX:-7}\", per: 5m}\n";
        assertThat(Configs.parse(yaml, Map.of()).policy().rateLimits().client().target().get("login").get(0).spec().max())
                .isEqualTo(7);
        assertThat(Configs.parse(yaml, Map.of("LOGIN_MAX", "")).policy().rateLimits().client().target().get("login")
                .get(0).spec().max()).isEqualTo(7);
        assertThat(Configs.parse(yaml, Map.of("LOGIN_MAX", "12")).policy().rateLimits().client().target().get("login")
                .get(0).spec().max()).isEqualTo(12);
    }

    @Test
    void theSpecsModerationKeyDefaultReadsTheVariable() {
        MoatConfig c = Configs.parse("moderation: {enabled: true}", Map.of("OPENAI_MODERATION_API_KEY", "sk-abc"));
        assertThat(c.moderation().apiKey()).isEqualTo("sk-abc");
        assertThat(Configs.parse("moderation: {enabled: true}", Map.of()).moderation().apiKey()).isEmpty();
        assertThat(Configs.parse("moderation:\n  api_key: ${OPENAI_MODERATION_API_KEY:-}\n", Map.of()).moderation().apiKey())
                .isEmpty();
    }

    @Test
    void anUnsetVariableWithoutDefaultIsAnErrorNamingKeyAndVariable() {
        List<ConfigError> es = Configs.errors("""
                server:
                  api_keys:
                    - {key: "${MOAT_ADMIN_KEY}", role: admin}
                bans:
                  duration: ${BAN_FOR}
                """, Map.of());
        assertThat(es).extracting(ConfigError::key).containsExactly("server.api_keys[0].key", "bans.duration");
        assertThat(es).extracting(ConfigError::line).containsExactly(3, 5);
        assertThat(es.get(0).message()).contains("MOAT_ADMIN_KEY is not set");
        assertThat(es.get(1).message()).contains("BAN_FOR is not set").contains("${BAN_FOR:-default}");
    }

    @Test
    void expansionNeverProducesStructure() {
        // a value that looks like YAML stays one string: here a bad duration, not a mapping
        ConfigError e = Configs.errors("bans:\n  duration: ${D}\n", Map.of("D", "{x: 1}")).get(0);
        assertThat(e.key()).isEqualTo("bans.duration");
        assertThat(e.message()).contains("'{x: 1}'");
        MoatConfig c = Configs.parse("filters:\n  - {name: n, patterns: [\"${P}\"]}\n", Map.of("P", "a, b: [c]"));
        assertThat(EffectiveConfig.render(c).get("filters").toString()).contains("a, b: [c]");
    }

    @Test
    void keysAreNotExpanded() {
        ConfigError e = Configs.errors("${SECTION}:\n  x: 1\n", Map.of("SECTION", "bans")).get(0);
        assertThat(e.key()).isEqualTo("${SECTION}");
    }

    @Test
    void dollarDollarBraceIsALiteralAndOtherDollarsStay() {
        MoatConfig c = Configs.parse("""
                filters:
                  - {name: money, patterns: ["\\\\$\\\\d+", "$${NOT_A_VAR}"]}
                """, Map.of());
        assertThat(EffectiveConfig.render(c).get("filters").toString()).contains("\\$\\d+").contains("${NOT_A_VAR}");
    }

    @Test
    void malformedReferencesAreErrors() {
        assertThat(Configs.errors("bans: {duration: \"${OOPS\"}", Map.of()).get(0).message()).contains("unclosed");
        assertThat(Configs.errors("bans: {duration: \"${1X}\"}", Map.of()).get(0).message()).contains("not a variable reference");
    }

    @Test
    void theVersionChangesWhenAReferencedVariableChanges() throws ConfigException {
        String yaml = "bans: {duration: \"${BAN_FOR:-2h}\"}\n";
        String a = ConfigLoader.parse(yaml, "moat.yaml", Map.of()).version();
        String b = ConfigLoader.parse(yaml, "moat.yaml", Map.of("BAN_FOR", "3h")).version();
        String a2 = ConfigLoader.parse(yaml, "moat.yaml", Map.of("UNRELATED", "x")).version();
        assertThat(a).hasSize(12).isNotEqualTo(b).isEqualTo(a2);
    }
}
