package dev.moat.server.config;

import dev.moat.core.limit.Algorithm;
import dev.moat.core.policy.By;
import dev.moat.core.policy.ConcurrencyConfig;
import dev.moat.core.policy.LimitConfig;
import dev.moat.core.policy.Presets;
import dev.moat.core.policy.RateLimits;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class PresetMergeFromYamlTest {

    @Test
    void anEmptyFileIsTheEmbeddedDefault() throws ConfigException {
        MoatConfig c = ConfigLoader.parse("", "moat.yaml", Map.of());
        MoatConfig d = MoatConfig.defaults();
        assertThat(c.server()).isEqualTo(d.server());
        assertThat(c.store()).isEqualTo(d.store());
        assertThat(c.policy()).isEqualTo(d.policy());
        assertThat(c.moderation()).isEqualTo(d.moderation());
        assertThat(c.webhook()).isEqualTo(d.webhook());
        assertThat(c.policy().rateLimits().preset()).isEqualTo("private_small");
        assertThat(ConfigLoader.parse("# only a comment\n", "moat.yaml", Map.of()).policy()).isEqualTo(d.policy());
    }

    @Test
    void noFileAtAllIsTheEmbeddedDefaultWithVersionDefault() throws ConfigException {
        MoatConfig c = ConfigLoader.load(null, null, Map.of());
        assertThat(c.version()).isEqualTo("default");
        assertThat(c.policy()).isEqualTo(MoatConfig.defaults().policy());
    }

    @Test
    void theFilesEntriesReplaceThePresetsRestrictionByRestriction() {
        MoatConfig c = Configs.parse("""
                rate_limits:
                  preset: private_small
                  client:
                    target:
                      login: {max: 3, per: 10m, by: email, algorithm: sliding_window, precision: 1m}
                      send_sticker: {max: 10, per: 1m}
                    global:
                      invite: {max: 100, per: 1d, by: ip}
                    concurrent:
                      message: {max: 2, lease: 60s}
                      upload: {max: 1}
                  federation:
                    target:
                      join: [{max: 10, per: 1m}]
                  exempt: ["user:@admin:example.org", "cidr:10.1.2.3/8", "IP:::ffff:192.0.2.1"]
                """);
        RateLimits r = c.policy().rateLimits();
        RateLimits preset = Presets.get("private_small");
        assertThat(r.preset()).isEqualTo("private_small");
        LimitConfig login = r.client().target().get("login").get(0);
        assertThat(login.by()).isEqualTo(By.EMAIL);
        assertThat(login.spec().algorithm()).isEqualTo(Algorithm.SLIDING_WINDOW);
        assertThat(login.spec().max()).isEqualTo(3);
        assertThat(login.spec().perMillis()).isEqualTo(600_000);
        assertThat(login.spec().precisionMillis()).isEqualTo(60_000);
        // untouched restriction keeps the preset's limits
        assertThat(r.client().target().get("message")).isEqualTo(preset.client().target().get("message"));
        // a new name becomes an action
        assertThat(r.client().target().get("send_sticker").get(0).spec().algorithm()).isEqualTo(Algorithm.GCRA);
        assertThat(r.client().target().get("send_sticker").get(0).spec().burst()).isEqualTo(10);
        // by is ignored under global
        assertThat(r.client().global().get("invite").get(0).by()).isEqualTo(By.TARGET);
        assertThat(r.client().concurrent()).containsEntry("message", new ConcurrencyConfig(2, 60_000))
                .containsEntry("upload", new ConcurrencyConfig(1, 60_000));
        assertThat(r.federation().target().get("join")).hasSize(1);
        assertThat(r.exempt()).containsExactly("user:@admin:example.org", "cidr:10.0.0.0/8", "ip:192.0.2.1");
    }

    @Test
    void offOrAnEmptyListRemovesAPresetsLimit() {
        MoatConfig c = Configs.parse("""
                rate_limits:
                  client:
                    target:
                      login: off
                      message: []
                    concurrent:
                      message: off
                """);
        assertThat(c.policy().rateLimits().client().target().get("login")).isEmpty();
        assertThat(c.policy().rateLimits().client().target().get("message")).isEmpty();
        assertThat(c.policy().rateLimits().client().concurrent()).doesNotContainKey("message");
    }

    @Test
    void presetNoneStartsEmpty() {
        MoatConfig c = Configs.parse("rate_limits:\n  preset: none\n  client:\n    target:\n      login: {max: 7, per: 5m}\n");
        assertThat(c.policy().rateLimits().preset()).isEqualTo("none");
        assertThat(c.policy().rateLimits().client().target()).containsOnlyKeys("login");
    }

    @Test
    void everyNamedPresetLoads() {
        for (String name : Presets.NAMES) {
            assertThat(Configs.parse("rate_limits: {preset: " + name + "}").policy().rateLimits().preset()).isEqualTo(name);
        }
    }

    @Test
    void byteBudgetsAcceptSizes() {
        MoatConfig c = Configs.parse("""
                rate_limits:
                  client:
                    target:
                      media_upload: {max: 20MB, per: 1h}
                      file_upload: [{max: 100, per: 15m, by: ip, algorithm: fixed_window}]
                """);
        assertThat(c.policy().rateLimits().client().target().get("media_upload").get(0).spec().max())
                .isEqualTo(20L * 1024 * 1024);
        assertThat(c.policy().rateLimits().client().target().get("file_upload").get(0).spec().max()).isEqualTo(100);
    }

    @Test
    void theOtherSectionsMapOntoTheirRecords() {
        MoatConfig c = Configs.parse("""
                server:
                  trusted_proxies: [10.0.0.0/8, "2001:db8::/32", 192.0.2.7]
                  max_body: 128KB
                  log_message_text: true
                store:
                  type: redis
                  data_dir: /var/lib/moat
                  max_keys: 5000
                  redis:
                    nodes: ["10.0.0.1:7000", "[2001:db8::2]:7001"]
                    key_prefix: chat1
                    on_failure: deny
                    timeout: 100ms
                violations:
                  scores: {logins: 2, my_custom: 3}
                  anonymous: none
                  per_type: false
                  half_life: 24h
                  retention: 30d
                bans:
                  enabled: false
                  interval: 10
                  duration: 1h
                  ban_ip: false
                  ipv6_prefix: 56
                  escalation: {factor: 2, max: 7d}
                link_spam: {enabled: false, max_recipients: 3, window: 30m, ban: 2d}
                moderation:
                  enabled: true
                  url: http://127.0.0.1:9999/v1/moderations
                  api_key: sk-test
                  model: text-moderation-stable
                  timeout: 1500ms
                  on_error: allow
                request_checks:
                  non_browser: {actions: [message, login]}
                  models: {openAI: [gpt-4o, gpt-4o-mini]}
                webhook: {url: "https://hooks.example/moat", timeout: 2s, max_attempts: 3}
                """);
        assertThat(c.server().trustedProxies()).containsExactly("10.0.0.0/8", "2001:db8::/32", "192.0.2.7/32");
        assertThat(c.server().maxBodyBytes()).isEqualTo(128 * 1024);
        assertThat(c.server().logMessageText()).isTrue();
        assertThat(c.store()).isEqualTo(new StoreSettings("redis", "/var/lib/moat", 5000, new StoreSettings.Redis(
                "redis://127.0.0.1:6379", List.of("10.0.0.1:7000", "[2001:db8::2]:7001"), "chat1", "deny", 100)));
        var v = c.policy().violations();
        assertThat(v.scoreOf("logins")).isEqualTo(2);
        assertThat(v.scoreOf("my_custom")).isEqualTo(3);
        assertThat(v.scoreOf("non_browser")).isEqualTo(20);
        assertThat(v.anonymousByIp()).isFalse();
        assertThat(v.perType()).isFalse();
        assertThat(v.halfLifeMillis()).isEqualTo(86_400_000);
        assertThat(v.retentionMillis()).isEqualTo(30L * 86_400_000);
        var b = c.policy().bans();
        assertThat(b.enabled()).isFalse();
        assertThat(b.interval()).isEqualTo(10);
        assertThat(b.durationMillis()).isEqualTo(3_600_000);
        assertThat(b.banIp()).isFalse();
        assertThat(b.ipv6Prefix()).isEqualTo(56);
        assertThat(b.factor()).isEqualTo(2.0);
        assertThat(b.maxMillis()).isEqualTo(7L * 86_400_000);
        assertThat(c.policy().linkSpam().enabled()).isFalse();
        assertThat(c.policy().linkSpam().maxRecipients()).isEqualTo(3);
        assertThat(c.policy().moderation().enabled()).isTrue();
        assertThat(c.policy().moderation().failClosed()).isFalse();
        assertThat(c.moderation()).isEqualTo(new ModerationSettings("http://127.0.0.1:9999/v1/moderations", "sk-test",
                "text-moderation-stable", 1500));
        assertThat(c.policy().requestChecks().nonBrowserActions()).containsExactlyInAnyOrder("message", "login");
        assertThat(c.policy().requestChecks().models()).containsEntry("openAI", java.util.Set.of("gpt-4o", "gpt-4o-mini"));
        assertThat(c.webhook()).isEqualTo(new WebhookSettings("https://hooks.example/moat", 2000, 3));
        assertThat(c.version()).hasSize(12);
    }
}
