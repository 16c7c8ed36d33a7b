package dev.moat.core.policy;

import dev.moat.core.limit.Algorithm;
import dev.moat.core.limit.LimitSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** `moat presets show NAME`: the preset in the config file's own syntax, and nothing lost on the way. */
class PresetYamlTest {

    @ParameterizedTest
    @ValueSource(strings = {"private_small", "private_medium", "public_medium", "public_large", "none"})
    void printedPresetParsesBackToTheSameLimits(String name) {
        String yaml = Presets.toYaml(name);
        assertThat(MiniYaml.parse(yaml)).isEqualTo(Presets.get(name));
    }

    @Test
    void printsConduitsNumbersInTheConfigSyntax() {
        String yaml = Presets.toYaml("private_small");
        assertThat(yaml).startsWith("rate_limits:\n  preset: private_small\n  client:\n    target:\n");
        assertThat(yaml).contains("\n      login: {max: 5, per: 1d, by: ip, burst: 20}\n");
        assertThat(yaml).contains("\n      message:\n"
                + "        - {max: 15, per: 1m, by: target, burst: 60}\n"
                + "        - {max: 60, per: 1m, by: ip, burst: 240}\n");
        // Conduit's sizes are SI (10^6) and not a whole number of Moat's MB (2^20): printed exactly in bytes
        assertThat(yaml).contains("\n      media_upload: {max: 10000000, per: 1m, by: target, burst: 100000000}\n");
        // global entries carry no `by`
        assertThat(yaml).contains("\n    global:\n      create_alias: {max: 5, per: 1h, burst: 20}\n");
        assertThat(yaml).contains("\n    concurrent:\n      message: {max: 2, lease: 1m}\n");
        assertThat(yaml).contains("\n      transaction: {max: 10, per: 1s, by: server, burst: 50}\n");
        assertThat(yaml).endsWith("  exempt: []\n");
    }

    @Test
    void printsFixedWindowsAndBinarySizesAsTheConfigWritesThem() {
        String yaml = Presets.toYaml("public_medium");
        assertThat(yaml).contains("\n        - {max: 5, per: 1h, by: ip, algorithm: fixed_window}\n");
        assertThat(yaml).contains("\n        - {max: 87KB, per: 1s, by: ip, burst: 500MB}\n");
        assertThat(yaml).contains("\n      two_factor:\n        - {max: 7, per: 5m, by: ip, algorithm: fixed_window}\n");
    }

    @Test
    void restrictionsAreSortedSoTheOutputIsStable() {
        String yaml = Presets.toYaml("public_large");
        assertThat(yaml).isEqualTo(Presets.toYaml("public_large"));
        String clientTarget = yaml.substring(yaml.indexOf("  client:\n    target:\n") + "  client:\n    target:\n".length(),
                yaml.indexOf("    global:"));
        List<String> clientTargets = new ArrayList<>();
        for (String line : clientTarget.split("\n")) {
            if (!line.startsWith("        ")) {
                clientTargets.add(line.substring(6, line.indexOf(':')));
            }
        }
        assertThat(clientTargets).isSorted().containsExactlyInAnyOrderElementsOf(Restrictions.CLIENT);
    }

    @Test
    void noneIsPrintedWithEmptySections() {
        assertThat(Presets.toYaml("none")).isEqualTo("""
                rate_limits:
                  preset: none
                  client:
                    target: {}
                    global: {}
                    concurrent: {}
                  federation:
                    target: {}
                    global: {}
                  exempt: []
                """);
    }

    @Test
    void exemptSubjectsAreQuoted() {
        RateLimits limits = RateLimits.fromPreset("none", null, null, List.of("user:@admin:example.org", "cidr:10.0.0.0/8"));
        String yaml = Presets.toYaml(limits);
        assertThat(yaml).endsWith("  exempt: [\"user:@admin:example.org\", \"cidr:10.0.0.0/8\"]\n");
        assertThat(MiniYaml.parse(yaml)).isEqualTo(limits);
    }

    @Test
    void durationsAndSizesUseTheLargestExactUnit() {
        assertThat(Presets.duration(300_000)).isEqualTo("5m");
        assertThat(Presets.duration(86_400_000)).isEqualTo("1d");
        assertThat(Presets.duration(90_000)).isEqualTo("90s");
        assertThat(Presets.duration(1500)).isEqualTo("1500ms");
        assertThat(Presets.duration(604_800_000)).isEqualTo("1w");
        assertThat(Presets.amount(20L * 1024 * 1024, true)).isEqualTo("20MB");
        assertThat(Presets.amount(2L * 1024 * 1024 * 1024, true)).isEqualTo("2GB");
        assertThat(Presets.amount(1536, true)).isEqualTo("1536");
        assertThat(Presets.amount(20L * 1024 * 1024, false)).isEqualTo("20971520");
    }

    /**
     * Just enough YAML to read {@link Presets#toYaml} back: nested blocks by indentation, flow maps
     * of scalars, block lists of flow maps, one flow list of quoted strings. The config spec's
     * duration and size syntax is parsed here independently of the printer.
     */
    static final class MiniYaml {
        static RateLimits parse(String yaml) {
            String preset = null;
            List<String> exempt = new ArrayList<>();
            Map<String, Map<String, Map<String, List<LimitConfig>>>> limits = new LinkedHashMap<>();
            Map<String, Map<String, ConcurrencyConfig>> concurrent = new LinkedHashMap<>();
            String realm = null;
            String section = null;
            String restriction = null;
            String[] lines = yaml.split("\n");
            assertThat(lines[0]).isEqualTo("rate_limits:");
            for (int i = 1; i < lines.length; i++) {
                String line = lines[i];
                int indent = line.length() - line.stripLeading().length();
                String text = line.strip();
                switch (indent) {
                    case 2 -> {
                        if (text.startsWith("preset: ")) {
                            preset = text.substring("preset: ".length());
                        } else if (text.startsWith("exempt: [")) {
                            String inner = text.substring("exempt: [".length(), text.length() - 1).strip();
                            if (!inner.isEmpty()) {
                                for (String quoted : inner.split(", ")) {
                                    exempt.add(quoted.substring(1, quoted.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\"));
                                }
                            }
                        } else {
                            realm = text.substring(0, text.length() - 1);
                            limits.put(realm, new LinkedHashMap<>());
                            concurrent.put(realm, new LinkedHashMap<>());
                        }
                    }
                    case 4 -> {
                        section = text.substring(0, text.indexOf(':'));
                        if (!section.equals("concurrent")) {
                            limits.get(realm).put(section, new LinkedHashMap<>());
                        }
                    }
                    case 6 -> {
                        restriction = text.substring(0, text.indexOf(':'));
                        String rest = text.substring(text.indexOf(':') + 1).strip();
                        if (section.equals("concurrent")) {
                            Map<String, String> m = flow(rest);
                            concurrent.get(realm).put(restriction,
                                    new ConcurrencyConfig(Integer.parseInt(m.get("max")), duration(m.get("lease"))));
                        } else {
                            List<LimitConfig> list = new ArrayList<>();
                            limits.get(realm).get(section).put(restriction, list);
                            if (!rest.isEmpty()) {
                                list.add(limit(flow(rest)));
                            }
                        }
                    }
                    case 8 -> {
                        assertThat(text).startsWith("- ");
                        limits.get(realm).get(section).get(restriction).add(limit(flow(text.substring(2))));
                    }
                    default -> throw new AssertionError("unexpected line " + i + ": " + line);
                }
            }
            return new RateLimits(preset, realm(limits, concurrent, "client"), realm(limits, concurrent, "federation"), exempt);
        }

        private static RealmLimits realm(Map<String, Map<String, Map<String, List<LimitConfig>>>> limits,
                                         Map<String, Map<String, ConcurrencyConfig>> concurrent, String realm) {
            return new RealmLimits(limits.get(realm).getOrDefault("target", Map.of()),
                    limits.get(realm).getOrDefault("global", Map.of()), concurrent.get(realm));
        }

        private static Map<String, String> flow(String text) {
            assertThat(text).startsWith("{").endsWith("}");
            Map<String, String> m = new LinkedHashMap<>();
            String inner = text.substring(1, text.length() - 1).strip();
            if (inner.isEmpty()) {
                return m;
            }
            for (String pair : inner.split(", ")) {
                int colon = pair.indexOf(": ");
                m.put(pair.substring(0, colon), pair.substring(colon + 2));
            }
            return m;
        }

        private static LimitConfig limit(Map<String, String> m) {
            assertThat(m.keySet()).isSubsetOf("max", "per", "by", "algorithm", "burst", "precision");
            Algorithm algorithm = m.containsKey("algorithm") ? Algorithm.fromConfig(m.get("algorithm")) : Algorithm.GCRA;
            LimitSpec spec = new LimitSpec(size(m.get("max")), duration(m.get("per")),
                    m.containsKey("burst") ? size(m.get("burst")) : 0, algorithm,
                    m.containsKey("precision") ? duration(m.get("precision")) : 0);
            return LimitConfig.of(spec, m.containsKey("by") ? By.fromWire(m.get("by")) : By.TARGET);
        }

        /** Config spec: 500ms, 30s, 5m, 2h, 1d, 1w or an integer of milliseconds. */
        static long duration(String s) {
            String[] suffixes = {"ms", "s", "m", "h", "d", "w"};
            long[] millis = {1, 1000, 60_000, 3_600_000, 86_400_000, 604_800_000};
            for (int i = 0; i < suffixes.length; i++) {
                if (s.endsWith(suffixes[i]) && Character.isDigit(s.charAt(s.length() - suffixes[i].length() - 1))) {
                    return Long.parseLong(s.substring(0, s.length() - suffixes[i].length())) * millis[i];
                }
            }
            return Long.parseLong(s);
        }

        /** Config spec: 512, 20KB, 20MB, 1GB (powers of 1024). */
        static long size(String s) {
            String[] suffixes = {"KB", "MB", "GB"};
            for (int i = 0; i < suffixes.length; i++) {
                if (s.endsWith(suffixes[i])) {
                    return Long.parseLong(s.substring(0, s.length() - 2)) << (10 * (i + 1));
                }
            }
            return Long.parseLong(s);
        }
    }
}
