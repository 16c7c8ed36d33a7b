package dev.moat.server.config;

import dev.moat.core.limit.Algorithm;
import dev.moat.core.policy.By;
import dev.moat.core.policy.ConcurrencyConfig;
import dev.moat.core.policy.LimitConfig;
import dev.moat.core.policy.RealmLimits;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

class LibreChatEnvTest {

    /** The moderation block of LibreChat's .env.example, verbatim. */
    static final String ENV_EXAMPLE = """
            #========================#
            # Moderation             #
            #========================#

            OPENAI_MODERATION=false
            OPENAI_MODERATION_API_KEY=
            # OPENAI_MODERATION_REVERSE_PROXY=

            BAN_VIOLATIONS=true
            BAN_DURATION=1000 * 60 * 60 * 2
            BAN_INTERVAL=20

            LOGIN_VIOLATION_SCORE=1
            REGISTRATION_VIOLATION_SCORE=1
            CONCURRENT_VIOLATION_SCORE=1
            MESSAGE_VIOLATION_SCORE=1
            NON_BROWSER_VIOLATION_SCORE=20

            LOGIN_MAX=7
            LOGIN_WINDOW=5
            REGISTER_MAX=5
            REGISTER_WINDOW=60

            LIMIT_CONCURRENT_MESSAGES=true
            CONCURRENT_MESSAGE_MAX=2

            LIMIT_MESSAGE_IP=true
            MESSAGE_IP_MAX=40
            MESSAGE_IP_WINDOW=1

            LIMIT_MESSAGE_USER=false
            MESSAGE_USER_MAX=40
            MESSAGE_USER_WINDOW=1

            ILLEGAL_MODEL_REQ_SCORE=5
            """;

    static MoatConfig load(String env) {
        return load(null, env);
    }

    static MoatConfig load(String yaml, String env) {
        try {
            return ConfigLoader.parse(yaml, "moat.yaml", env, ".env", Map.of());
        } catch (ConfigException e) {
            return fail("unexpected errors:\n" + e.getMessage());
        }
    }

    static LibreChatEnv env(String text) {
        try {
            return LibreChatEnv.parse(text, ".env");
        } catch (ConfigException e) {
            return fail("unexpected errors:\n" + e.getMessage());
        }
    }

    static LimitConfig only(RealmLimits r, String restriction) {
        assertThat(r.target().get(restriction)).hasSize(1);
        return r.target().get(restriction).get(0);
    }

    @Test
    void loginMax7GivesSevenPerFiveMinutesFixedWindowByIp() {
        LimitConfig login = only(load("LOGIN_MAX=7\n").policy().rateLimits().client(), "login");
        assertThat(login.spec().max()).isEqualTo(7);
        assertThat(login.spec().perMillis()).isEqualTo(5 * 60_000);
        assertThat(login.spec().algorithm()).isEqualTo(Algorithm.FIXED_WINDOW);
        assertThat(login.by()).isEqualTo(By.IP);
    }

    @Test
    void theArithmeticBanDurationIsEvaluated() {
        MoatConfig c = load("BAN_DURATION=1000 * 60 * 60 * 2\n");
        assertThat(c.policy().bans().durationMillis()).isEqualTo(7_200_000);
        assertThat(load("BAN_DURATION=(1000 * 60 * 60 * 24) * 7\n").policy().bans().durationMillis())
                .isEqualTo(7L * 86_400_000);
        assertThat(load("BAN_DURATION=1000*60*30 + 500\n").policy().bans().durationMillis()).isEqualTo(1_800_500);
    }

    @Test
    void arithmeticIsIntegersPlusMinusTimesAndParenthesesOnly() {
        assertThat(LibreChatEnv.arithmetic(" 20 ")).isEqualTo(20);
        assertThat(LibreChatEnv.arithmetic("-(2 + 3) * 4")).isEqualTo(-20);
        assertThat(LibreChatEnv.arithmetic("2 * 3 + 4 * 5")).isEqualTo(26);
        assertThatThrownBy(() -> LibreChatEnv.arithmetic("1000 / 2")).hasMessageContaining("'/' at position 6");
        assertThatThrownBy(() -> LibreChatEnv.arithmetic("1.5")).hasMessageContaining("'.'");
        assertThatThrownBy(() -> LibreChatEnv.arithmetic("process.exit(1)")).hasMessageContaining("'p'");
        assertThatThrownBy(() -> LibreChatEnv.arithmetic("(1 + 2")).hasMessageContaining("closing ')'");
        assertThatThrownBy(() -> LibreChatEnv.arithmetic("9223372036854775807 * 2")).hasMessageContaining("too large");
        assertThatThrownBy(() -> LibreChatEnv.arithmetic("(".repeat(40) + "1" + ")".repeat(40)))
                .hasMessageContaining("nests too deeply");
    }

    @Test
    void librechatDefaultsApplyToEveryVariableTheFileDoesNotSet() {
        MoatConfig c = load("# nothing but a comment\nUNRELATED=1\n");
        var client = c.policy().rateLimits().client();
        var bans = c.policy().bans();
        assertThat(bans.enabled()).isTrue();
        assertThat(bans.durationMillis()).isEqualTo(7_200_000);
        assertThat(bans.interval()).isEqualTo(20);
        assertThat(bans.factor()).isEqualTo(1.0);
        var v = c.policy().violations();
        assertThat(v.anonymousByIp()).isTrue(); // deliberately not LibreChat's: see the explain line
        assertThat(v.perType()).isTrue();
        assertThat(v.scoreOf("logins")).isEqualTo(1);
        assertThat(v.scoreOf("non_browser")).isEqualTo(20);
        assertThat(v.scoreOf("illegal_model_request")).isEqualTo(5);
        assertThat(v.scores()).containsEntry("tts_limit", 1).containsEntry("tool_call_limit", 1)
                .containsEntry("file_upload_limit", 1).containsEntry("reset_password_limit", 1);
        assertFixed(only(client, "login"), 7, 5, By.IP);
        assertFixed(only(client, "registration"), 5, 60, By.IP);
        assertFixed(only(client, "message"), 40, 1, By.IP); // LIMIT_MESSAGE_USER defaults to false
        assertFixed(client.target().get("file_upload").get(0), 100, 15, By.IP);
        assertFixed(client.target().get("file_upload").get(1), 50, 15, By.USER);
        assertFixed(client.target().get("import").get(0), 100, 15, By.IP);
        assertFixed(client.target().get("import").get(1), 50, 15, By.USER);
        assertFixed(client.target().get("fork").get(0), 30, 1, By.IP);
        assertFixed(client.target().get("fork").get(1), 7, 1, By.USER);
        assertFixed(client.target().get("tts").get(0), 100, 1, By.IP);
        assertFixed(client.target().get("tts").get(1), 50, 1, By.USER);
        assertFixed(client.target().get("stt").get(0), 100, 1, By.IP);
        assertFixed(client.target().get("stt").get(1), 50, 1, By.USER);
        assertFixed(only(client, "password_reset"), 2, 2, By.IP);
        assertFixed(only(client, "verify_email"), 2, 2, By.IP);
        LimitConfig tool = only(client, "tool_call");
        assertThat(tool.spec().max()).isEqualTo(1);
        assertThat(tool.spec().perMillis()).isEqualTo(1000);
        assertThat(tool.by()).isEqualTo(By.USER);
        assertThat(client.concurrent()).containsEntry("message", new ConcurrencyConfig(2, 60_000));
        assertThat(c.policy().requestChecks().nonBrowserActions()).containsExactly("message");
        assertThat(c.policy().moderation().enabled()).isFalse();
        assertThat(c.policy().moderation().failClosed()).isTrue();
        assertThat(c.moderation().url()).isEqualTo("https://api.openai.com/v1/moderations");
    }

    private static void assertFixed(LimitConfig l, long max, long minutes, By by) {
        assertThat(l.spec().max()).isEqualTo(max);
        assertThat(l.spec().perMillis()).isEqualTo(minutes * 60_000);
        assertThat(l.spec().algorithm()).isEqualTo(Algorithm.FIXED_WINDOW);
        assertThat(l.by()).isEqualTo(by);
    }

    @Test
    void theEnvExampleMapsToTheSameConfigAsTheDefaults() {
        MoatConfig fromExample = load(ENV_EXAMPLE);
        MoatConfig fromNothing = load("\n");
        assertThat(fromExample.policy()).isEqualTo(fromNothing.policy());
        assertThat(fromExample.moderation()).isEqualTo(fromNothing.moderation());
    }

    @Test
    void fileValuesOverrideDefaults() {
        MoatConfig c = load("""
                BAN_VIOLATIONS=false
                BAN_INTERVAL=10
                BAN_DURATION=0
                LOGIN_MAX=3
                LOGIN_WINDOW=15
                LIMIT_MESSAGE_IP=false
                LIMIT_MESSAGE_USER=TRUE
                MESSAGE_USER_MAX=20
                MESSAGE_USER_WINDOW=2
                LIMIT_CONCURRENT_MESSAGES=false
                MESSAGE_VIOLATION_SCORE=3
                TTS_VIOLATION_SCORE=0
                OPENAI_MODERATION=true
                OPENAI_MODERATION_API_KEY=sk-moderation-123
                OPENAI_MODERATION_REVERSE_PROXY=https://proxy.example/v1/moderations
                FORK_IP_MAX=0
                """);
        var bans = c.policy().bans();
        assertThat(bans.enabled()).isFalse();
        assertThat(bans.interval()).isEqualTo(10);
        assertThat(bans.durationMillis()).isZero(); // LibreChat's soft ban
        var client = c.policy().rateLimits().client();
        assertFixed(only(client, "login"), 3, 15, By.IP);
        assertFixed(only(client, "message"), 20, 2, By.USER);
        assertThat(client.concurrent()).doesNotContainKey("message");
        assertThat(c.policy().violations().scoreOf("message_limit")).isEqualTo(3);
        assertThat(c.policy().violations().scoreOf("tts_limit")).isZero();
        assertThat(c.policy().moderation().enabled()).isTrue();
        assertThat(c.moderation().apiKey()).isEqualTo("sk-moderation-123");
        assertThat(c.moderation().url()).isEqualTo("https://proxy.example/v1/moderations");
        assertFixed(client.target().get("fork").get(0), 30, 1, By.IP); // parseInt(..) || 30
    }

    @Test
    void bothMessageSwitchesOffMeansNoMessageLimit() {
        MoatConfig c = load("LIMIT_MESSAGE_IP=false\nLIMIT_MESSAGE_USER=false\n");
        assertThat(c.policy().rateLimits().client().target().get("message")).isEmpty();
    }

    @Test
    void onlyTheTextTrueEnablesLikeLibreChatsIsEnabled() {
        assertThat(load("BAN_VIOLATIONS=yes\n").policy().bans().enabled()).isFalse();
        assertThat(load("BAN_VIOLATIONS= True \n").policy().bans().enabled()).isTrue();
        assertThat(env("BAN_VIOLATIONS=1\n").explain()).anySatisfy(l ->
                assertThat(l).startsWith("BAN_VIOLATIONS=1 -> bans.enabled = false").contains("anything but 'true'"));
    }

    @Test
    void aLongBanRaisesTheEscalationCapSoTheBanPolicyStaysValid() {
        MoatConfig c = load("BAN_DURATION=1000 * 60 * 60 * 24 * 60\n");
        assertThat(c.policy().bans().durationMillis()).isEqualTo(60L * 86_400_000);
        assertThat(c.policy().bans().maxMillis()).isEqualTo(60L * 86_400_000);
    }

    @Test
    void dotenvSyntaxIsUnderstood() {
        LibreChatEnv e = env("""
                # comment
                export LOGIN_MAX=9
                LOGIN_WINDOW = 10   # ten minutes
                REGISTER_MAX="4"
                REGISTER_WINDOW='30'
                OPENAI_MODERATION_API_KEY="sk-\\"quoted\\" # not a comment"
                MULTI="line one
                line two"
                BAN_INTERVAL=15
                EMPTY=
                NOT A VARIABLE LINE
                """);
        Map<String, String> v = e.variables();
        assertThat(v).containsEntry("LOGIN_MAX", "9").containsEntry("LOGIN_WINDOW", "10").containsEntry("REGISTER_MAX", "4")
                .containsEntry("REGISTER_WINDOW", "30").containsEntry("OPENAI_MODERATION_API_KEY", "sk-\\\"quoted\\\" # not a comment")
                .containsEntry("MULTI", "line one\nline two").containsEntry("BAN_INTERVAL", "15").containsEntry("EMPTY", "");
        assertThat(e.mappings()).filteredOn(m -> "BAN_INTERVAL".equals(m.variable())).singleElement()
                .satisfies(m -> assertThat(m.line()).isEqualTo(9));
        assertThat(e.mappings()).filteredOn(m -> "LOGIN_WINDOW".equals(m.variable())).singleElement()
                .satisfies(m -> assertThat(m.configValue()).isEqualTo("10m"));
    }

    @Test
    void badValuesAreErrorsNamingTheVariableAndItsLine() {
        ConfigException e = catchConfig("LOGIN_MAX=seven\nBAN_DURATION=1000 * 60 / 2\nBAN_INTERVAL=0\nLOGIN_WINDOW=0\n");
        assertThat(e.errors()).extracting(ConfigError::key)
                .containsExactly("LOGIN_MAX", "BAN_DURATION", "BAN_INTERVAL", "LOGIN_WINDOW");
        assertThat(e.errors()).extracting(ConfigError::line).containsExactly(1, 2, 3, 4);
        assertThat(e.errors()).allSatisfy(err -> assertThat(err.source()).isEqualTo(".env"));
        assertThat(e.errors().get(0).message()).contains("'seven'");
        assertThat(e.errors().get(1).message()).contains("'/'");
    }

    @Test
    void aMalformedLineThatLooksLikeAModerationVariableIsAnError() {
        ConfigException e = catchConfig("LOGIN_MAX 7\nsome other junk\n");
        assertThat(e.errors()).singleElement().satisfies(err -> {
            assertThat(err.line()).isEqualTo(1);
            assertThat(err.message()).contains("KEY=value");
        });
    }

    private static ConfigException catchConfig(String env) {
        try {
            ConfigLoader.parse(null, "moat.yaml", env, ".env", Map.of());
        } catch (ConfigException e) {
            return e;
        }
        return fail("expected errors");
    }

    @Test
    void theYamlFileOverridesTheEnvMappingForTheSameKeys() {
        MoatConfig c = load("""
                rate_limits:
                  client:
                    target:
                      login: {max: 10, per: 1m}
                bans:
                  interval: 5
                """, "LOGIN_MAX=3\nBAN_INTERVAL=10\nBAN_DURATION=1000\n");
        LimitConfig login = only(c.policy().rateLimits().client(), "login");
        // the restriction is replaced whole, as a preset's would be: no fixed_window/ip left over from the .env
        assertThat(login.spec().max()).isEqualTo(10);
        assertThat(login.spec().algorithm()).isEqualTo(Algorithm.GCRA);
        assertThat(login.by()).isEqualTo(By.TARGET);
        assertThat(c.policy().bans().interval()).isEqualTo(5);
        assertThat(c.policy().bans().durationMillis()).isEqualTo(1000); // not in the YAML: the .env still applies
    }

    @Test
    void yamlVariablesCanComeFromTheEnvFileButTheProcessEnvironmentWins() throws ConfigException {
        String yaml = "server:\n  api_keys: [{key: \"${MOAT_KEY}\", role: admin}]\n";
        MoatConfig fromFile = ConfigLoader.parse(yaml, "moat.yaml", "MOAT_KEY=from-env-file-0123456\n", ".env", Map.of());
        assertThat(fromFile.server().apiKeys().get(0).key()).isEqualTo("from-env-file-0123456");
        MoatConfig fromProcess = ConfigLoader.parse(yaml, "moat.yaml", "MOAT_KEY=from-env-file-0123456\n", ".env",
                Map.of("MOAT_KEY", "from-process-0123456"));
        assertThat(fromProcess.server().apiKeys().get(0).key()).isEqualTo("from-process-0123456");
    }

    @Test
    void explainPrintsOneReadableLinePerMapping() {
        List<String> lines = env("LOGIN_MAX=7\nOPENAI_MODERATION_API_KEY=sk-secret-value\n").explain();
        assertThat(lines).contains(
                "LOGIN_MAX=7 -> rate_limits.client.target.login[0].max = 7 (.env line 1)",
                "LOGIN_WINDOW=5 -> rate_limits.client.target.login[0].per = 5m (LibreChat default; minutes)",
                "BAN_DURATION=1000 * 60 * 60 * 2 -> bans.duration = 2h (LibreChat default; milliseconds)",
                "MESSAGE_USER_MAX=40 -> unused (LIMIT_MESSAGE_USER is not true)",
                "OPENAI_MODERATION_API_KEY=**** -> moderation.api_key = **** (.env line 2)");
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("(LibreChat behaviour) -> rate_limits.client.target.login[0].by = ip"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("(LibreChat behaviour) -> violations.anonymous stays ip"));
        assertThat(String.join("\n", lines)).doesNotContain("sk-secret-value");
        assertThat(env("").explain()).contains("LOGIN_MAX=7 -> rate_limits.client.target.login[0].max = 7 (LibreChat default)");
    }

    @Test
    void importAndForkScoresAreExplainedAsNotMapped() {
        assertThat(env("IMPORT_VIOLATION_SCORE=4\n").explain()).anySatisfy(l ->
                assertThat(l).startsWith("IMPORT_VIOLATION_SCORE=4 -> not mapped").contains("file_upload_limit"));
    }

    @Test
    void explainMarksWhatTheYamlOverrides(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path yaml = Files.writeString(dir.resolve("moat.yaml"), """
                bans:
                  interval: 5
                rate_limits:
                  client:
                    target:
                      login: {max: 10, per: 1m}
                """);
        Path dotenv = Files.writeString(dir.resolve(".env"), "LOGIN_MAX=3\n");
        List<String> lines = ConfigLoader.explain(yaml, dotenv, Map.of());
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("LOGIN_MAX=3 -> rate_limits.client.target.login[0].max = 3")
                .endsWith("overridden by " + yaml + " line 6"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("BAN_INTERVAL=20 -> bans.interval = 20")
                .endsWith("overridden by " + yaml + " line 2"));
        assertThat(lines).anySatisfy(l -> assertThat(l).startsWith("BAN_DURATION=").doesNotContain("overridden"));
    }

    @Test
    void loadReadsBothFilesAndTheVersionCoversTheEnvFile(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path yaml = Files.writeString(dir.resolve("moat.yaml"), "bans: {interval: 5}\n");
        Path dotenv = Files.writeString(dir.resolve(".env"), "LOGIN_MAX=3\n");
        MoatConfig a = ConfigLoader.load(yaml, dotenv, Map.of());
        assertThat(only(a.policy().rateLimits().client(), "login").spec().max()).isEqualTo(3);
        Files.writeString(dotenv, "LOGIN_MAX=4\n");
        MoatConfig b = ConfigLoader.load(yaml, dotenv, Map.of());
        assertThat(b.version()).isNotEqualTo(a.version());
        assertThat(ConfigLoader.load(null, dotenv, Map.of()).policy().bans().interval()).isEqualTo(20);
        ConfigException missing = org.junit.jupiter.api.Assertions.assertThrows(ConfigException.class,
                () -> ConfigLoader.load(dir.resolve("nope.yaml"), null, Map.of()));
        assertThat(missing.errors()).singleElement().satisfies(err -> assertThat(err.message()).contains("does not exist"));
    }
}
