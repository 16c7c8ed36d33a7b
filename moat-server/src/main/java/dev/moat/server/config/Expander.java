package dev.moat.server.config;

import java.util.Map;
import java.util.TreeMap;

/**
 * {@code ${VAR}} and {@code ${VAR:-default}} in scalar values. {@code :-} takes the default when
 * the variable is unset or empty, as in a POSIX shell. {@code $${} writes a literal {@code ${}; any
 * other {@code $} is left alone. The result is always text: expansion never produces YAML structure.
 * Remembers the variables it read, so the config version changes when they do.
 */
final class Expander {
    private final Map<String, String> env;
    private final Map<String, String> used = new TreeMap<>();

    Expander(Map<String, String> env) {
        this.env = env == null ? Map.of() : env;
    }

    /** The variables ${VAR} expands from (handed to sections parsed elsewhere, such as the gateway's). */
    Map<String, String> env() {
        return env;
    }

    /** Variables read so far, with the value each had (null: unset). */
    Map<String, String> used() {
        return used;
    }

    /**
     * Expands {@code text}.
     *
     * @throws IllegalArgumentException naming the variable that is unset, or the malformed reference
     */
    String expand(String text) {
        if (text == null || text.indexOf('$') < 0) {
            return text;
        }
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '$' && text.startsWith("$${", i)) {
                out.append("${");
                i += 3;
                continue;
            }
            if (c != '$' || !text.startsWith("${", i)) {
                out.append(c);
                i++;
                continue;
            }
            int close = text.indexOf('}', i + 2);
            if (close < 0) {
                throw new IllegalArgumentException("unclosed '${' in '" + text + "'");
            }
            String ref = text.substring(i + 2, close);
            String name = ref;
            String fallback = null;
            int sep = ref.indexOf(":-");
            if (sep >= 0) {
                name = ref.substring(0, sep);
                fallback = ref.substring(sep + 2);
                if (fallback.contains("${")) {
                    throw new IllegalArgumentException("nested '${' in the default of '${" + ref + "}' is not supported");
                }
            }
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new IllegalArgumentException("'${" + ref + "}' is not a variable reference: write ${NAME} or ${NAME:-default}");
            }
            String value = env.get(name);
            used.put(name, value);
            if (value == null || (fallback != null && value.isEmpty())) {
                if (fallback == null) {
                    throw new IllegalArgumentException("environment variable " + name
                            + " is not set (write ${" + name + ":-default} to give a default)");
                }
                value = fallback;
            }
            out.append(value);
            i = close + 1;
        }
        return out.toString();
    }
}
