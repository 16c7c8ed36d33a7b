package dev.moat.server.config;

import dev.moat.server.config.Tree.Entry;
import dev.moat.server.config.Tree.MapNode;
import dev.moat.server.config.Tree.Origin;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Reads {@code moat.yaml} (and optionally a LibreChat {@code .env}) into a validated
 * {@link MoatConfig}. Unknown keys, wrong types and impossible values are errors that name the key
 * and its line; every error in the file is reported at once.
 *
 * <p>Precedence, lowest first: built-in defaults (preset {@code private_small}), then the
 * LibreChat .env mapping (LibreChat's defaults for variables the file does not set), then the YAML
 * file. {@code ${VAR}} in the YAML is looked up in {@code env} first, then in the .env file's
 * variables (dotenv never overrides the process environment).
 */
public final class ConfigLoader {
    private ConfigLoader() {
    }

    /**
     * Loads a config. {@code configFile} null means no file (the embedded default);
     * {@code envFile} null means no LibreChat .env. {@code env} supplies ${VAR} expansion.
     */
    public static MoatConfig load(Path configFile, Path envFile, Map<String, String> env) throws ConfigException {
        List<ConfigError> errors = new ArrayList<>();
        Source yaml = configFile == null ? null : Source.read(configFile, "config file", errors);
        Source dotenv = envFile == null ? null : Source.read(envFile, "env file", errors);
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return build(yaml, dotenv, env);
    }

    /** Parses YAML text; {@code sourceName} appears in messages. */
    public static MoatConfig parse(String yaml, String sourceName, Map<String, String> env) throws ConfigException {
        String name = sourceName == null ? "moat.yaml" : sourceName;
        return build(new Source(name, yaml == null ? "" : yaml), null, env);
    }

    /** Like {@link #parse} with a LibreChat .env text as well (for tests and {@code moat config check}). */
    public static MoatConfig parse(String yaml, String sourceName, String envText, String envName,
                                   Map<String, String> env) throws ConfigException {
        return build(yaml == null ? null : new Source(sourceName == null ? "moat.yaml" : sourceName, yaml),
                envText == null ? null : new Source(envName == null ? ".env" : envName, envText), env);
    }

    /**
     * The effective config as a JSON/YAML-ready tree in the file's own syntax (durations like
     * {@code 5m}, sizes like {@code 64KB}), with every secret masked: for GET /v1/config.
     */
    public static Map<String, Object> effective(MoatConfig config) {
        return EffectiveConfig.render(config);
    }

    /**
     * {@code moat config explain}: how each LibreChat variable of {@code envFile} maps onto the
     * config, marking the ones the YAML file overrides. Throws when the combination is invalid.
     */
    public static List<String> explain(Path configFile, Path envFile, Map<String, String> env) throws ConfigException {
        List<ConfigError> errors = new ArrayList<>();
        Source yaml = configFile == null ? null : Source.read(configFile, "config file", errors);
        Source dotenv = envFile == null ? null : Source.read(envFile, "env file", errors);
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        build(yaml, dotenv, env); // validates everything
        return explain(yaml, dotenv);
    }

    static List<String> explain(Source yaml, Source dotenv) throws ConfigException {
        if (dotenv == null) {
            return List.of("no LibreChat .env given: nothing to map");
        }
        List<ConfigError> errors = new ArrayList<>();
        LibreChatEnv lc = LibreChatEnv.parse(dotenv.text, dotenv.name, errors);
        MapNode tree = yaml == null ? null : Tree.parseYaml(yaml.text, yaml.name, errors);
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        List<String> out = new ArrayList<>();
        for (LibreChatEnv.Mapping m : lc.mappings()) {
            String line = m.explain();
            Entry over = m.key() == null || tree == null ? null : Tree.decider(tree, m.key());
            if (over != null) {
                line += " -- overridden by " + yaml.name + " line " + over.keyOrigin().line();
            }
            out.add(line);
        }
        return out;
    }

    private static MoatConfig build(Source yaml, Source dotenv, Map<String, String> env) throws ConfigException {
        List<ConfigError> errors = new ArrayList<>();
        LibreChatEnv lc = dotenv == null ? null : LibreChatEnv.parse(dotenv.text, dotenv.name, errors);
        // a bad .env value leaves a hole in its tree that binding would report again: bind the YAML alone then
        boolean envBroken = !errors.isEmpty();
        Map<String, String> lookup = new HashMap<>();
        if (lc != null) {
            lookup.putAll(lc.variables());
        }
        if (env != null) {
            lookup.putAll(env);
        }
        Expander expander = new Expander(lookup);
        MapNode tree = yaml == null ? new MapNode(Origin.of("(defaults)", 0)) : Tree.parseYaml(yaml.text, yaml.name, errors);
        if (tree == null) {
            throw new ConfigException(sorted(errors, yaml, dotenv)); // not YAML: nothing more to say
        }
        MapNode root = lc == null || envBroken ? tree : Tree.merge(lc.tree(), tree, "");
        MoatConfig bound = new Binder(errors, expander).bind(root, "pending");
        if (!errors.isEmpty()) {
            throw new ConfigException(sorted(errors, yaml, dotenv));
        }
        String version = yaml == null && dotenv == null ? "default" : version(yaml, dotenv, expander.used());
        return new MoatConfig(bound.server(), bound.store(), bound.policy(), bound.moderation(), bound.webhook(), version,
                bound.gateway());
    }

    /** Errors in file order: the YAML's by line, then the .env's by line. */
    private static List<ConfigError> sorted(List<ConfigError> errors, Source yaml, Source dotenv) {
        String envName = dotenv == null ? null : dotenv.name;
        List<ConfigError> out = new ArrayList<>(errors);
        out.sort(Comparator.comparingInt((ConfigError e) -> envName != null && envName.equals(e.source()) ? 1 : 0)
                .thenComparingInt(e -> e.line() == 0 ? Integer.MAX_VALUE : e.line()));
        return out;
    }

    /**
     * A short hash of what the config was built from: the file bytes, the .env bytes, and the value
     * of every variable ${...} read (so a changed variable is a new version, without showing it).
     */
    private static String version(Source yaml, Source dotenv, Map<String, String> used) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (Source s : new Source[] {yaml, dotenv}) {
                byte[] b = s == null ? new byte[0] : s.text.getBytes(StandardCharsets.UTF_8);
                d.update(ByteBuffer.allocate(5).put((byte) (s == null ? 0 : 1)).putInt(b.length).array());
                d.update(b);
            }
            used.forEach((k, v) -> {
                d.update((k + "=" + (v == null ? "\u0000unset" : v) + "\u0000").getBytes(StandardCharsets.UTF_8));
            });
            return HexFormat.of().formatHex(d.digest(), 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** A file's name (as messages show it) and text. */
    record Source(String name, String text) {
        static Source read(Path file, String what, List<ConfigError> errors) {
            String name = file.toString();
            try {
                byte[] bytes = Files.readAllBytes(file);
                String text = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes)).toString();
                return new Source(name, text);
            } catch (NoSuchFileException e) {
                errors.add(new ConfigError("", 0, "the " + what + " does not exist", name));
            } catch (CharacterCodingException e) {
                errors.add(new ConfigError("", 0, "the " + what + " is not UTF-8 text", name));
            } catch (IOException e) {
                errors.add(new ConfigError("", 0, "cannot read the " + what + ": " + e.getMessage(), name));
            }
            return null;
        }
    }
}
