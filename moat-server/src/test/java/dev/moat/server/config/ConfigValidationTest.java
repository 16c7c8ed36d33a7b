package dev.moat.server.config;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.moat.server.config.Configs.error;
import static dev.moat.server.config.Configs.errors;
import static org.assertj.core.api.Assertions.assertThat;

/** Every kind of mistake is an error that names the key, its line and the bad value. */
class ConfigValidationTest {

    @Test
    void unknownKeyNamesTheDottedKeyAndLineAndSuggestsTheNearestOne() {
        ConfigError e = error("""
                rate_limits:
                  client:
                    target:
                      login:
                        maxx: 7
                        per: 5m
                """);
        assertThat(e.key()).isEqualTo("rate_limits.client.target.login.maxx");
        assertThat(e.line()).isEqualTo(5);
        assertThat(e.source()).isEqualTo("moat.yaml");
        assertThat(e.message()).contains("unknown key 'rate_limits.client.target.login.maxx'")
                .contains("did you mean 'max'?");
        assertThat(e.toString()).isEqualTo("moat.yaml line 5: rate_limits.client.target.login.maxx: "
                + "unknown key 'rate_limits.client.target.login.maxx' (did you mean 'max'?)");
    }

    @Test
    void unknownTopLevelSectionIsAnError() {
        ConfigError e = error("server: {}\ngatewy:\n  upstream: http://127.0.0.1:8008\n");
        assertThat(e.key()).isEqualTo("gatewy");
        assertThat(e.line()).isEqualTo(2);
        assertThat(e.message()).contains("unknown key 'gatewy'").contains("did you mean 'gateway'");
    }

    @Test
    void gatewaySectionErrorsNameTheKeyAndLine() {
        ConfigError e = error("server: {}\ngateway:\n  upstream: {url: http://127.0.0.1:8008}\n  listen: nowhere\n");
        assertThat(e.key()).startsWith("gateway.listen");
        assertThat(e.line()).isEqualTo(4);
    }

    @Test
    void negativeMaxIsAnErrorQuotingTheValue() {
        ConfigError e = error("""
                rate_limits:
                  client:
                    target:
                      login: {max: -3, per: 5m}
                """);
        assertThat(e.key()).isEqualTo("rate_limits.client.target.login.max");
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.message()).contains("at least 1").contains("'-3'");
    }

    @Test
    void perZeroIsAnError() {
        ConfigError e = error("rate_limits:\n  client:\n    target:\n      login: {max: 3, per: 0}\n");
        assertThat(e.key()).isEqualTo("rate_limits.client.target.login.per");
        assertThat(e.line()).isEqualTo(4);
        assertThat(e.message()).contains("at least 1").contains("'0'");
    }

    @Test
    void aLimitWithoutMaxOrPerSaysWhatIsMissing() {
        List<ConfigError> es = errors("""
                rate_limits:
                  client:
                    target:
                      login:
                        by: ip
                """);
        assertThat(es).extracting(ConfigError::key)
                .containsExactly("rate_limits.client.target.login.max", "rate_limits.client.target.login.per");
        assertThat(es).allSatisfy(e -> {
            assertThat(e.line()).isEqualTo(5);
            assertThat(e.message()).startsWith("missing '");
        });
    }

    @Test
    void unknownAlgorithmAndUnknownByAreErrors() {
        List<ConfigError> es = errors("""
                rate_limits:
                  client:
                    target:
                      message:
                        - {max: 40, per: 1m, by: ip, algorithm: token_bucket}
                        - {max: 40, per: 1m, by: cookie}
                """);
        assertThat(es).hasSize(2);
        assertThat(es.get(0).key()).isEqualTo("rate_limits.client.target.message[0].algorithm");
        assertThat(es.get(0).line()).isEqualTo(5);
        assertThat(es.get(0).message()).contains("'token_bucket'").contains("gcra, sliding_window or fixed_window");
        assertThat(es.get(1).key()).isEqualTo("rate_limits.client.target.message[1].by");
        assertThat(es.get(1).line()).isEqualTo(6);
        assertThat(es.get(1).message()).contains("'cookie'").contains("target, ip, user, email, server, appservice");
    }

    @Test
    void burstOutsideGcraAndPrecisionOutsideSlidingWindowAreErrors() {
        List<ConfigError> es = errors("""
                rate_limits:
                  client:
                    target:
                      join: {max: 5, per: 1m, algorithm: fixed_window, burst: 10}
                      knock: {max: 5, per: 1m, precision: 5s}
                """);
        assertThat(es).extracting(ConfigError::key).containsExactly(
                "rate_limits.client.target.join.burst", "rate_limits.client.target.knock.precision");
        assertThat(es.get(0).message()).contains("gcra only");
        assertThat(es.get(1).message()).contains("sliding_window only");
    }

    @Test
    void limitSpecValidationIsWrappedWithTheKeyAndLineOfTheLimit() {
        ConfigError e = error("""
                rate_limits:
                  client:
                    target:
                      join:
                        max: 5
                        per: 1h
                        algorithm: sliding_window
                        precision: 1ms
                """);
        assertThat(e.key()).isEqualTo("rate_limits.client.target.join");
        assertThat(e.line()).isEqualTo(5);
        assertThat(e.message()).contains("3600 buckets");
    }

    @Test
    void badCidrInTrustedProxiesAndBadSubjectInExempt() {
        List<ConfigError> es = errors("""
                server:
                  trusted_proxies: [10.0.0.0/8, 10.0.0.0/33, not-an-ip]
                rate_limits:
                  exempt: ["user:@admin:example.org", "cidr:10.0.0.0/99", "robot:r2d2"]
                """);
        assertThat(es).extracting(ConfigError::key).containsExactly(
                "server.trusted_proxies[1]", "server.trusted_proxies[2]", "rate_limits.exempt[1]", "rate_limits.exempt[2]");
        assertThat(es).extracting(ConfigError::line).containsExactly(2, 2, 4, 4);
        assertThat(es.get(0).message()).contains("10.0.0.0/33");
        assertThat(es.get(1).message()).contains("not-an-ip");
        assertThat(es.get(3).message()).contains("robot");
    }

    @Test
    void apiKeyRoleAndLengthAreCheckedWithoutEverPrintingTheKey() {
        List<ConfigError> es = errors("""
                server:
                  api_keys:
                    - {key: "short-secret", role: client}
                    - key: "0123456789abcdef-admin"
                      role: superuser
                    - key: "0123456789abcdef-other"
                """);
        assertThat(es).extracting(ConfigError::key).containsExactly(
                "server.api_keys[0].key", "server.api_keys[1].role", "server.api_keys[2].role");
        assertThat(es).extracting(ConfigError::line).containsExactly(3, 5, 6);
        assertThat(es.get(0).message()).contains("at least 16 characters").contains("12");
        assertThat(es.get(1).message()).contains("client, admin").contains("'superuser'");
        assertThat(es.get(2).message()).contains("missing 'role'");
        assertThat(es).allSatisfy(e -> assertThat(e.toString()).doesNotContain("short-secret")
                .doesNotContain("0123456789abcdef"));
    }

    @Test
    void duplicateApiKeysAndNamesAreErrors() {
        List<ConfigError> es = errors("""
                server:
                  api_keys:
                    - {key: "0123456789abcdef-one", role: client, name: app}
                    - {key: "0123456789abcdef-one", role: admin}
                    - {key: "0123456789abcdef-two", role: admin, name: app}
                """);
        assertThat(es).extracting(ConfigError::key).containsExactly("server.api_keys[1].key", "server.api_keys[2].name");
        assertThat(es.get(0).message()).contains("already configured at server.api_keys[0]");
        assertThat(es.get(1).message()).contains("'app' is already used");
    }

    @Test
    void storeTypeAndOnFailureAreChoices() {
        List<ConfigError> es = errors("""
                store:
                  type: postgres
                  redis:
                    on_failure: retry
                    uri: http://127.0.0.1:6379
                """);
        assertThat(es).extracting(ConfigError::key)
                .containsExactly("store.type", "store.redis.on_failure", "store.redis.uri");
        assertThat(es).extracting(ConfigError::line).containsExactly(2, 4, 5);
        assertThat(es.get(0).message()).contains("memory, redis").contains("'postgres'");
        assertThat(es.get(1).message()).contains("local, allow, deny").contains("'retry'");
        assertThat(es.get(2).message()).contains("redis:// or rediss://");
    }

    @Test
    void aBadRedisUriNeverShowsItsPassword() {
        ConfigError e = error("store:\n  redis:\n    uri: \"http://user:hunter2@redis.internal:6379\"\n");
        assertThat(e.message()).contains("user:****@redis.internal").doesNotContain("hunter2");
    }

    @Test
    void unknownPresetIsAnError() {
        ConfigError e = error("rate_limits:\n  preset: enormous\n");
        assertThat(e.key()).isEqualTo("rate_limits.preset");
        assertThat(e.line()).isEqualTo(2);
        assertThat(e.message()).contains("'enormous'").contains("private_small");
    }

    @Test
    void aFilterPatternRe2CannotCompileIsAnErrorAtThePattern() {
        List<ConfigError> es = errors("""
                filters:
                  - name: spam
                    patterns:
                      - "buy now"
                      - "(?<=free)money"
                      - "(unclosed"
                """);
        assertThat(es).extracting(ConfigError::key).containsExactly("filters[0].patterns[1]", "filters[0].patterns[2]");
        assertThat(es).extracting(ConfigError::line).containsExactly(5, 6);
        assertThat(es.get(0).message()).contains("RE2/J cannot compile '(?<=free)money'");
        assertThat(es.get(1).message()).contains("'(unclosed'");
    }

    @Test
    void filterShapeIsChecked() {
        List<ConfigError> es = errors("""
                filters:
                  - name: a
                    patterns: [x+]
                    where: [public, lobby]
                    action: delete
                  - patterns: "not a list"
                  - name: a
                    patterns: ["a*"]
                """);
        assertThat(es).extracting(ConfigError::key).containsExactly(
                "filters[0].where[1]", "filters[0].action", "filters[1].name", "filters[1].patterns",
                "filters[2].name", "filters[2].patterns[0]");
        assertThat(es.get(0).message()).contains("'lobby'");
        assertThat(es.get(1).message()).contains("block, censor, report").contains("'delete'");
        assertThat(es.get(2).message()).contains("missing 'name'");
        assertThat(es.get(3).message()).contains("expected a list");
        assertThat(es.get(4).message()).contains("'a' is already used by filters[0]");
        assertThat(es.get(5).message()).contains("matches empty text");
    }

    @Test
    void wrongTypesAreErrors() {
        List<ConfigError> es = errors("""
                server:
                  max_body: lots
                  log_message_text: yes please
                bans:
                  interval: twenty
                  escalation: {factor: 0.5, max: 30d}
                  ipv6_prefix: 129
                violations:
                  anonymous: everyone
                  scores: {logins: -1, "bad.type": 1}
                link_spam:
                  max_recipients: [5]
                moderation:
                  on_error: retry
                  timeout: soon
                """);
        assertThat(es).extracting(ConfigError::key).containsExactly(
                "server.max_body", "server.log_message_text", "bans.interval", "bans.escalation.factor",
                "bans.ipv6_prefix", "violations.anonymous", "violations.scores.logins", "violations.scores.bad.type",
                "link_spam.max_recipients", "moderation.on_error", "moderation.timeout");
        assertThat(es).extracting(ConfigError::line).containsExactly(2, 3, 5, 6, 7, 9, 10, 10, 12, 14, 15);
        assertThat(es.get(0).message()).contains("'lots'");
        assertThat(es.get(1).message()).contains("true or false").contains("'yes please'");
        assertThat(es.get(8).message()).contains("expected a single value, got a list");
    }

    @Test
    void theBenchmarkingEndpointIsOffByDefaultAndABoolean() {
        assertThat(Configs.parse("server: {}").server().benchNoopEndpoint()).isFalse();
        assertThat(Configs.parse("server: {bench_noop_endpoint: true}").server().benchNoopEndpoint()).isTrue();
        ConfigError e = Configs.error("server:\n  bench_noop_endpoint: maybe\n");
        assertThat(e.key()).isEqualTo("server.bench_noop_endpoint");
        assertThat(e.line()).isEqualTo(2);
        assertThat(e.message()).contains("true or false").contains("'maybe'");
    }

    @Test
    void theIdleTimeoutIsTwoMinutesByDefaultAndAtLeastOneSecond() {
        assertThat(Configs.parse("server: {}").server().idleTimeoutMillis()).isEqualTo(120_000);
        assertThat(Configs.parse("server: {idle_timeout: 30s}").server().idleTimeoutMillis()).isEqualTo(30_000);
        ConfigError e = Configs.error("server:\n  idle_timeout: 10ms\n");
        assertThat(e.key()).isEqualTo("server.idle_timeout");
        assertThat(e.line()).isEqualTo(2);
        ConfigError word = Configs.error("server:\n  idle_timeout: soon\n");
        assertThat(word.key()).isEqualTo("server.idle_timeout");
        assertThat(word.message()).contains("'soon'");
    }

    @Test
    void recordValidationIsWrappedWithTheSectionKeyAndLine() {
        ConfigError e = error("""
                server: {}
                bans:
                  duration: 60d
                """);
        assertThat(e.key()).isEqualTo("bans");
        assertThat(e.line()).isEqualTo(2);
        assertThat(e.message()).contains("bans.escalation.max").contains("bans.duration");
    }

    @Test
    void nonLoopbackListenWithoutApiKeysIsRefusedWithTheReason() {
        ConfigError e = error("server:\n  listen: 0.0.0.0:7878\n");
        assertThat(e.key()).isEqualTo("server.listen");
        assertThat(e.line()).isEqualTo(2);
        assertThat(e.message()).contains("0.0.0.0:7878").contains("without server.api_keys").contains("loopback");
    }

    @Test
    void nonLoopbackListenWithApiKeysIsFine() {
        MoatConfig c = Configs.parse("""
                server:
                  listen: "[2001:db8::7]:8443"
                  api_keys: [{key: "0123456789abcdef-admin", role: admin}]
                """);
        assertThat(c.server().host()).isEqualTo("2001:db8::7");
        assertThat(c.server().port()).isEqualTo(8443);
        assertThat(c.server().apiKeys()).singleElement().satisfies(k -> {
            assertThat(k.name()).isEqualTo("key-1");
            assertThat(k.role()).isEqualTo(ApiKey.Role.ADMIN);
        });
    }

    @Test
    void loopbackListenFormsAreAccepted() {
        assertThat(Configs.parse("server: {listen: \"[::1]:7878\"}").server().loopback()).isTrue();
        assertThat(Configs.parse("server: {listen: \"localhost:0\"}").server().port()).isZero();
        assertThat(Configs.parse("server: {listen: \"127.0.0.2:9000\"}").server().loopback()).isTrue();
    }

    @Test
    void badListenFormsSayWhy() {
        assertThat(error("server: {listen: \"::1:7878\"}").message()).contains("brackets");
        assertThat(error("server: {listen: 7878}").message()).contains("host:port");
        assertThat(error("server: {listen: \"127.0.0.1:70000\"}").message()).contains("0 to 65535");
        assertThat(error("server: {listen: \"300.1.1.1:80\"}").message()).contains("not an IPv4 address");
    }

    @Test
    void severalErrorsAreReportedAtOnceInFileOrder() {
        List<ConfigError> es = errors("""
                server:
                  listen: 127.0.0.1:7878
                  max_bodyy: 1MB
                store:
                  type: sqlite
                rate_limits:
                  preset: huge
                  client:
                    target:
                      login: {max: 0, per: 5m, by: ip}
                bans:
                  duration: forever
                filters:
                  - {name: f, patterns: ["[z-a]"]}
                """);
        assertThat(es).extracting(ConfigError::line).containsExactly(3, 5, 7, 10, 12, 14);
        assertThat(es).extracting(ConfigError::key).containsExactly("server.max_bodyy", "store.type",
                "rate_limits.preset", "rate_limits.client.target.login.max", "bans.duration", "filters[0].patterns[0]");
    }

    @Test
    void nullValuesOfScalarKeysAreErrorsButEmptySectionsAreDefaults() {
        ConfigError e = error("bans:\n  duration:\n");
        assertThat(e.key()).isEqualTo("bans.duration");
        assertThat(e.message()).contains("no value");
        MoatConfig c = Configs.parse("server:\nstore:\nfilters:\nrate_limits:\n  client:\n");
        assertThat(c.policy()).isEqualTo(MoatConfig.defaults().policy());
        assertThat(Configs.parse("moderation: {api_key: \"\"}").moderation().apiKey()).isEmpty();
    }

    @Test
    void yamlSyntaxErrorsNameTheLine() {
        ConfigError e = error("server:\n  listen: [unclosed\nstore: {}\n");
        assertThat(e.message()).startsWith("not valid YAML");
        assertThat(e.line()).isGreaterThanOrEqualTo(2);
    }

    @Test
    void duplicateKeysAreErrors() {
        ConfigError e = error("bans:\n  interval: 10\n  interval: 20\n");
        assertThat(e.key()).isEqualTo("bans.interval");
        assertThat(e.line()).isEqualTo(3);
        assertThat(e.message()).contains("duplicate key 'interval' (first at line 2)");
    }

    @Test
    void theTopLevelMustBeAMapping() {
        assertThat(error("- a\n- b\n").message()).contains("top level must be a mapping");
        assertThat(error("a: 1\n---\nb: 2\n").message()).contains("one YAML document");
    }

    @Test
    void anchorsAliasesAndMergeKeysWork() {
        MoatConfig c = Configs.parse("""
                rate_limits:
                  client:
                    target:
                      join: &strict {max: 5, per: 1m, by: ip, algorithm: fixed_window}
                      knock: *strict
                      invite:
                        <<: *strict
                        max: 9
                """);
        var target = c.policy().rateLimits().client().target();
        assertThat(target.get("knock")).isEqualTo(target.get("join"));
        assertThat(target.get("invite").get(0).spec().max()).isEqualTo(9);
        assertThat(target.get("invite").get(0).spec().perMillis()).isEqualTo(60_000);
    }

    @Test
    void restrictionNamesWithDotsAreRefused() {
        ConfigError e = error("rate_limits:\n  client:\n    target:\n      \"send.file\": {max: 1, per: 1s}\n");
        assertThat(e.key()).isEqualTo("rate_limits.client.target.send.file");
        assertThat(e.message()).contains("not a restriction name");
    }

    @Test
    void federationHasNoConcurrentSection() {
        ConfigError e = error("rate_limits:\n  federation:\n    concurrent: {}\n");
        assertThat(e.key()).isEqualTo("rate_limits.federation.concurrent");
        assertThat(e.message()).contains("known here: target, global");
    }

    @Test
    void moderationAndWebhookUrlsMustBeHttp() {
        List<ConfigError> es = errors("""
                moderation: {url: "ftp://mod.example/v1"}
                webhook: {url: "mailto:ops@example.org", max_attempts: 0}
                """);
        assertThat(es).extracting(ConfigError::key).containsExactly("moderation.url", "webhook.url", "webhook.max_attempts");
    }
}
