package dev.moat.core.policy;

import dev.moat.core.limit.LimitSpec;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A file's entry for a restriction replaces the preset's whole list for it; everything else stays the preset's. */
class PresetOverrideMergeTest {
    static final long MINUTE = 60_000;

    @Test
    void aTargetOverrideReplacesOnlyThatRestrictionsList() {
        RateLimits preset = Presets.get("public_medium");
        LimitConfig sevenPerFive = LimitConfig.of(LimitSpec.fixedWindow(7, 5 * MINUTE), By.IP);
        RealmLimits file = new RealmLimits(Map.of("login", List.of(sevenPerFive)), Map.of(), Map.of());

        RateLimits merged = RateLimits.fromPreset("public_medium", file, null, List.of("cidr:10.0.0.0/8"));

        // the preset had two login limits (per IP and per email); the file's single one replaces both
        assertThat(preset.client().target().get("login")).hasSize(2);
        assertThat(merged.client().target().get("login")).containsExactly(sevenPerFive);
        // every other restriction, and every other section, is the preset's
        preset.client().target().forEach((restriction, limits) -> {
            if (!restriction.equals("login")) {
                assertThat(merged.client().target().get(restriction)).as(restriction).isEqualTo(limits);
            }
        });
        assertThat(merged.client().target().keySet()).isEqualTo(preset.client().target().keySet());
        assertThat(merged.client().global()).isEqualTo(preset.client().global());
        assertThat(merged.client().concurrent()).isEqualTo(preset.client().concurrent());
        assertThat(merged.federation()).isEqualTo(preset.federation());
        assertThat(merged.preset()).isEqualTo("public_medium");
        assertThat(merged.exempt()).containsExactly("cidr:10.0.0.0/8");
        // the preset itself is untouched
        assertThat(Presets.get("public_medium")).isEqualTo(preset);
    }

    @Test
    void sectionsMergeSeparatelySoATargetOverrideKeepsThePresetsGlobalBudget() {
        RateLimits preset = Presets.get("private_small");
        LimitConfig mine = LimitConfig.of(LimitSpec.gcra(1, MINUTE, 1), By.TARGET);
        RealmLimits file = new RealmLimits(Map.of("invite", List.of(mine)),
                Map.of("message", List.of(LimitConfig.of(LimitSpec.gcra(5, 1000, 50)))),
                Map.of("message", new ConcurrencyConfig(1, 30_000)));

        RateLimits merged = RateLimits.fromPreset("private_small", file, RealmLimits.EMPTY, null);

        assertThat(merged.client().target().get("invite")).containsExactly(mine);
        assertThat(merged.client().global().get("invite")).isEqualTo(preset.client().global().get("invite"));
        assertThat(merged.client().global().get("message")).containsExactly(LimitConfig.of(LimitSpec.gcra(5, 1000, 50)));
        assertThat(merged.client().global().get("registration")).isEqualTo(preset.client().global().get("registration"));
        assertThat(merged.client().concurrent()).containsExactly(Map.entry("message", new ConcurrencyConfig(1, 30_000)));
    }

    @Test
    void aFederationOverrideLeavesTheClientRealmAlone() {
        RateLimits preset = Presets.get("public_large");
        LimitConfig strict = LimitConfig.of(LimitSpec.gcra(1, 1000, 5), By.SERVER);
        RealmLimits fed = new RealmLimits(Map.of("transaction", List.of(strict)), Map.of(), Map.of());

        RateLimits merged = RateLimits.fromPreset("public_large", null, fed, null);

        assertThat(merged.federation().target().get("transaction")).containsExactly(strict);
        assertThat(merged.federation().target().get("join")).isEqualTo(preset.federation().target().get("join"));
        assertThat(merged.federation().global()).isEqualTo(preset.federation().global());
        assertThat(merged.client()).isEqualTo(preset.client());
    }

    @Test
    void anEmptyListInTheFileRemovesThePresetsLimitsForThatRestriction() {
        RealmLimits file = new RealmLimits(Map.of(), Map.of("login", List.of()), Map.of());

        RateLimits merged = RateLimits.fromPreset("private_small", file, null, null);

        assertThat(merged.client().global().get("login")).isEmpty();
        assertThat(merged.client().target().get("login")).isEqualTo(Presets.get("private_small").client().target().get("login"));
    }

    @Test
    void overridesOverTheNonePresetAreTheWholeConfig() {
        LimitConfig only = LimitConfig.of(LimitSpec.gcra(3, MINUTE, 3), By.IP);
        RealmLimits file = new RealmLimits(Map.of("login", List.of(only)), Map.of(), Map.of());

        RateLimits merged = RateLimits.fromPreset("none", file, null, null);

        assertThat(merged.client().target()).containsExactly(Map.entry("login", List.of(only)));
        assertThat(merged.client().global()).isEmpty();
        assertThat(merged.federation()).isEqualTo(RealmLimits.EMPTY);
    }
}
