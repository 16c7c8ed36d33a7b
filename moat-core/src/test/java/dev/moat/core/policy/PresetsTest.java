package dev.moat.core.policy;

import dev.moat.core.limit.Algorithm;
import dev.moat.core.limit.LimitSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What every preset promises: full coverage, sane values, Conduit's numbers in private_small. */
class PresetsTest {
    static final long SECOND = 1000;
    static final long MINUTE = 60 * SECOND;
    static final long HOUR = 60 * MINUTE;
    static final long DAY = 24 * HOUR;
    static final long SI_MB = 1_000_000L;

    static final List<String> FILLED = List.of("private_small", "private_medium", "public_medium", "public_large");

    @ParameterizedTest
    @ValueSource(strings = {"private_small", "private_medium", "public_medium", "public_large"})
    void everyPresetCoversEveryKnownRestrictionWithAPerTargetLimit(String name) {
        RateLimits preset = Presets.get(name);
        for (Realm realm : Realm.values()) {
            Map<String, List<LimitConfig>> target = preset.realm(realm).target();
            assertThat(target.keySet()).as("%s %s target", name, realm.wire())
                    .containsExactlyInAnyOrderElementsOf(Restrictions.known(realm));
            target.forEach((restriction, limits) ->
                    assertThat(limits).as("%s %s %s", name, realm.wire(), restriction).isNotEmpty());
            assertThat(preset.realm(realm).global().keySet()).as("%s %s global", name, realm.wire())
                    .isSubsetOf(Restrictions.known(realm));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"private_small", "private_medium", "public_medium", "public_large"})
    void everyLimitIsValidAndByteBudgetsAreCountedInBytes(String name) {
        RateLimits preset = Presets.get(name);
        for (Realm realm : Realm.values()) {
            forEachLimit(preset.realm(realm), (section, restriction, limit) -> {
                LimitSpec spec = limit.spec();
                String where = name + " " + realm.wire() + "." + section + "." + restriction;
                assertThat(spec.max()).as(where).isPositive();
                assertThat(spec.perMillis()).as(where).isPositive();
                assertThat(spec.burst()).as(where).isPositive();
                // the record re-validates: rebuilding it must not throw
                new LimitSpec(spec.max(), spec.perMillis(), spec.burst(), spec.algorithm(), spec.precisionMillis());
                if (Restrictions.BYTE_BUDGETS.contains(restriction)) {
                    // GCRA refuses a single request bigger than its burst forever: a photo must fit
                    assertThat(spec.burst()).as(where + " burst, bytes").isGreaterThanOrEqualTo(10 * SI_MB);
                    assertThat(spec.algorithm()).as(where).isEqualTo(Algorithm.GCRA);
                } else {
                    assertThat(spec.max()).as(where + " max, events").isLessThanOrEqualTo(200_000);
                }
            });
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"private_small", "private_medium", "public_medium", "public_large"})
    void keysAreChosenPerRealm(String name) {
        RateLimits preset = Presets.get(name);
        // federation limits are keyed by the origin server, never by a client identity
        preset.federation().target().forEach((restriction, limits) ->
                assertThat(limits).extracting(LimitConfig::by).as(restriction).containsOnly(By.SERVER));
        // client limits never key on a server; the unauthenticated ones never on a user
        preset.client().target().forEach((restriction, limits) ->
                assertThat(limits).extracting(LimitConfig::by).as(restriction).doesNotContain(By.SERVER, By.APPSERVICE));
        for (String unauthenticated : List.of("registration", "registration_token_validity", "login",
                "authentication_failures", "password_reset", "verify_email")) {
            assertThat(preset.client().target().get(unauthenticated)).extracting(LimitConfig::by)
                    .as(unauthenticated).containsAnyOf(By.IP).doesNotContain(By.USER, By.TARGET);
        }
        assertThat(preset.client().target().get("message")).extracting(LimitConfig::by)
                .containsExactly(By.TARGET, By.IP);
    }

    @ParameterizedTest
    @ValueSource(strings = {"private_small", "private_medium", "public_medium", "public_large"})
    void everyPresetLimitsConcurrentMessagesLikeLibreChat(String name) {
        // CONCURRENT_MESSAGE_MAX=2 (.env.example), pending-request TTL Time.ONE_MINUTE (concurrentLimiter.js)
        assertThat(Presets.get(name).client().concurrent()).containsExactly(Map.entry("message", new ConcurrencyConfig(2, 60_000)));
        assertThat(Presets.get(name).federation().concurrent()).isEmpty();
    }

    @Test
    void noneLimitsNothing() {
        RateLimits none = Presets.get("none");
        assertThat(none.preset()).isEqualTo("none");
        assertThat(none.client()).isEqualTo(RealmLimits.EMPTY);
        assertThat(none.federation()).isEqualTo(RealmLimits.EMPTY);
        assertThat(none.exempt()).isEmpty();
    }

    @Test
    void everyNameResolvesToAPresetOfThatName() {
        assertThat(Presets.NAMES).containsExactly("private_small", "private_medium", "public_medium", "public_large", "none");
        for (String name : Presets.NAMES) {
            assertThat(Presets.get(name).preset()).isEqualTo(name);
        }
    }

    @Test
    void anUnknownPresetIsRefusedNamingTheValidOnes() {
        assertThatThrownBy(() -> Presets.get("public_huge"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'public_huge'")
                .hasMessageContaining("private_small, private_medium, public_medium, public_large, none");
        assertThatThrownBy(() -> Presets.get(null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("private_small");
        assertThatThrownBy(() -> Presets.get("Private_Small")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RateLimits.fromPreset("nope", null, null, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("public_large");
    }

    /**
     * Conduit's published private_small (conduit-config/src/rate_limiting.rs, get_preset): each
     * {@code Restriction, PerX, n, burst_capacity} row, and the media rows in SI bytes.
     */
    @Test
    void privateSmallIsConduitsPublishedDefault() {
        RateLimits p = Presets.get("private_small");
        Map<String, List<LimitConfig>> t = p.client().target();
        // client target (Conduit's target_client_map, target_client_media, authentication_failures)
        assertThat(t.get("registration")).containsExactly(LimitConfig.of(LimitSpec.gcra(3, DAY, 10), By.IP));
        assertThat(t.get("login")).containsExactly(LimitConfig.of(LimitSpec.gcra(5, DAY, 20), By.IP));
        assertThat(t.get("registration_token_validity")).containsExactly(LimitConfig.of(LimitSpec.gcra(10, DAY, 20), By.IP));
        assertThat(t.get("authentication_failures")).containsExactly(LimitConfig.of(LimitSpec.gcra(1, HOUR, 20), By.IP));
        assertThat(t.get("message").get(0)).isEqualTo(LimitConfig.of(LimitSpec.gcra(15, MINUTE, 60), By.TARGET));
        assertThat(t.get("join")).containsExactly(LimitConfig.of(LimitSpec.gcra(5, HOUR, 30), By.TARGET));
        assertThat(t.get("knock")).containsExactly(LimitConfig.of(LimitSpec.gcra(5, HOUR, 30), By.TARGET));
        assertThat(t.get("invite")).containsExactly(LimitConfig.of(LimitSpec.gcra(2, HOUR, 20), By.TARGET));
        assertThat(t.get("send_report")).containsExactly(LimitConfig.of(LimitSpec.gcra(5, DAY, 20), By.TARGET));
        assertThat(t.get("create_alias")).containsExactly(LimitConfig.of(LimitSpec.gcra(2, DAY, 20), By.TARGET));
        assertThat(t.get("media_create")).containsExactly(LimitConfig.of(LimitSpec.gcra(4, MINUTE, 20), By.TARGET));
        assertThat(t.get("media_download")).containsExactly(LimitConfig.of(LimitSpec.gcra(100 * SI_MB, MINUTE, 50 * SI_MB), By.TARGET));
        assertThat(t.get("media_upload")).containsExactly(LimitConfig.of(LimitSpec.gcra(10 * SI_MB, MINUTE, 100 * SI_MB), By.TARGET));
        assertThat(t.get("media_fetch")).containsExactly(LimitConfig.of(LimitSpec.gcra(100 * SI_MB, MINUTE, 50 * SI_MB), By.TARGET));

        // client global
        Map<String, List<LimitConfig>> g = p.client().global();
        assertThat(g.get("registration")).containsExactly(LimitConfig.of(LimitSpec.gcra(10, DAY, 20)));
        assertThat(g.get("login")).containsExactly(LimitConfig.of(LimitSpec.gcra(10, HOUR, 10)));
        assertThat(g.get("registration_token_validity")).containsExactly(LimitConfig.of(LimitSpec.gcra(10, DAY, 20)));
        assertThat(g.get("message")).containsExactly(LimitConfig.of(LimitSpec.gcra(2, SECOND, 100)));
        assertThat(g.get("join")).containsExactly(LimitConfig.of(LimitSpec.gcra(1, MINUTE, 30)));
        assertThat(g.get("knock")).containsExactly(LimitConfig.of(LimitSpec.gcra(1, MINUTE, 30)));
        assertThat(g.get("invite")).containsExactly(LimitConfig.of(LimitSpec.gcra(10, HOUR, 20)));
        assertThat(g.get("send_report")).containsExactly(LimitConfig.of(LimitSpec.gcra(1, HOUR, 25)));
        assertThat(g.get("create_alias")).containsExactly(LimitConfig.of(LimitSpec.gcra(5, HOUR, 20)));
        assertThat(g.get("media_create")).containsExactly(LimitConfig.of(LimitSpec.gcra(20, MINUTE, 50)));
        assertThat(g.get("media_download")).containsExactly(LimitConfig.of(LimitSpec.gcra(250 * SI_MB, MINUTE, 100 * SI_MB)));
        assertThat(g.get("media_upload")).containsExactly(LimitConfig.of(LimitSpec.gcra(50 * SI_MB, MINUTE, 100 * SI_MB)));
        assertThat(g.get("media_fetch")).containsExactly(LimitConfig.of(LimitSpec.gcra(250 * SI_MB, MINUTE, 100 * SI_MB)));

        // federation target, keyed by the origin server
        Map<String, List<LimitConfig>> ft = p.federation().target();
        assertThat(ft.get("join")).containsExactly(LimitConfig.of(LimitSpec.gcra(10, HOUR, 10), By.SERVER));
        assertThat(ft.get("knock")).containsExactly(LimitConfig.of(LimitSpec.gcra(10, HOUR, 10), By.SERVER));
        assertThat(ft.get("invite")).containsExactly(LimitConfig.of(LimitSpec.gcra(10, HOUR, 10), By.SERVER));
        assertThat(ft.get("media_download")).containsExactly(LimitConfig.of(LimitSpec.gcra(100 * SI_MB, MINUTE, 100 * SI_MB), By.SERVER));

        // federation global
        Map<String, List<LimitConfig>> fg = p.federation().global();
        assertThat(fg.get("join")).containsExactly(LimitConfig.of(LimitSpec.gcra(10, MINUTE, 10)));
        assertThat(fg.get("knock")).containsExactly(LimitConfig.of(LimitSpec.gcra(10, MINUTE, 10)));
        assertThat(fg.get("invite")).containsExactly(LimitConfig.of(LimitSpec.gcra(10, MINUTE, 10)));
        assertThat(fg.get("media_download")).containsExactly(LimitConfig.of(LimitSpec.gcra(250 * SI_MB, MINUTE, 250 * SI_MB)));
    }

    @Test
    void presetsFillConduitsGapsFromSynapseAndLibreChat() {
        RateLimits p = Presets.get("public_medium");
        Map<String, List<LimitConfig>> t = p.client().target();
        // Synapse rc_message: per_second 0.2, burst_count 10
        assertThat(t.get("message").get(0)).isEqualTo(LimitConfig.of(LimitSpec.gcra(12, MINUTE, 10), By.TARGET));
        // LibreChat MESSAGE_IP_MAX 40 / MESSAGE_IP_WINDOW 1 (minutes), express-rate-limit fixed window
        assertThat(t.get("message").get(1)).isEqualTo(LimitConfig.of(LimitSpec.fixedWindow(40, MINUTE), By.IP));
        // LibreChat REGISTER_MAX 5 / REGISTER_WINDOW 60; Synapse rc_registration 0.17/s, burst 3
        assertThat(t.get("registration")).containsExactly(LimitConfig.of(LimitSpec.fixedWindow(5, HOUR), By.IP),
                LimitConfig.of(LimitSpec.gcra(10, MINUTE, 3), By.IP));
        // Synapse remote_media_download_per_second 87K, remote_media_download_burst_count 500M, per IP
        assertThat(t.get("media_fetch")).contains(LimitConfig.of(LimitSpec.gcra(87 * 1024, SECOND, 500L * 1024 * 1024), By.IP));
        // LibreChat FILE/IMPORT/FORK/TTS/STT defaults, toolCallLimiter (1 per second per user)
        assertThat(t.get("import")).containsExactly(LimitConfig.of(LimitSpec.fixedWindow(50, 15 * MINUTE), By.TARGET),
                LimitConfig.of(LimitSpec.fixedWindow(100, 15 * MINUTE), By.IP));
        assertThat(t.get("fork")).containsExactly(LimitConfig.of(LimitSpec.fixedWindow(7, MINUTE), By.TARGET),
                LimitConfig.of(LimitSpec.fixedWindow(30, MINUTE), By.IP));
        assertThat(t.get("tts")).containsExactly(LimitConfig.of(LimitSpec.fixedWindow(50, MINUTE), By.TARGET),
                LimitConfig.of(LimitSpec.fixedWindow(100, MINUTE), By.IP));
        assertThat(t.get("tool_call")).containsExactly(LimitConfig.of(LimitSpec.fixedWindow(1, SECOND), By.TARGET));
        assertThat(t.get("password_reset").get(0)).isEqualTo(LimitConfig.of(LimitSpec.fixedWindow(2, 2 * MINUTE), By.IP));
        assertThat(t.get("two_factor").get(0)).isEqualTo(LimitConfig.of(LimitSpec.fixedWindow(7, 5 * MINUTE), By.IP));
        // Rocket.Chat DDP_Rate_Limit_User_Requests_Allowed 1200 per 60000 ms
        assertThat(t.get("ws_message").get(0)).isEqualTo(LimitConfig.of(LimitSpec.fixedWindow(1200, MINUTE), By.TARGET));
    }

    interface LimitVisitor {
        void visit(String section, String restriction, LimitConfig limit);
    }

    static void forEachLimit(RealmLimits realm, LimitVisitor visitor) {
        realm.target().forEach((r, limits) -> limits.forEach(l -> visitor.visit("target", r, l)));
        realm.global().forEach((r, limits) -> limits.forEach(l -> visitor.visit("global", r, l)));
    }
}
