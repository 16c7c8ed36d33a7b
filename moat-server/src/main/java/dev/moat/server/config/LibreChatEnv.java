package dev.moat.server.config;

import dev.moat.core.policy.BanPolicy;
import dev.moat.server.config.Tree.MapNode;
import dev.moat.server.config.Tree.Origin;
import dev.moat.server.config.Tree.Scalar;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * LibreChat compatibility: reads a LibreChat {@code .env} and maps its moderation variables onto
 * Moat's config, with LibreChat's own defaults for every variable the file does not set.
 *
 * <p>How it works. The file is parsed the way the {@code dotenv} package does ({@code KEY=value},
 * {@code export KEY=value}, {@code #} comments, single/double/back quotes, double-quoted
 * {@code \n}). Then every known variable, from the file or else LibreChat's default, becomes one
 * or more config values in a tree shaped like {@code moat.yaml}; {@link ConfigLoader} lays the
 * YAML file (if any) over that tree, so a key the YAML sets wins over the .env. The result goes
 * through the same validation as the YAML.
 *
 * <p>Semantics follow LibreChat's sources (api/server/middleware/limiters/*, api/cache/*):
 * limiters are express-rate-limit fixed windows keyed by IP (or by user for the *_USER_* ones);
 * windows are in minutes, BAN_DURATION in milliseconds; booleans are on only for the text
 * {@code true} (LibreChat's {@code isEnabled}); numbers may use LibreChat's arithmetic form
 * ({@code 1000 * 60 * 60 * 2}), evaluated here by a small integer parser, never a script engine.
 * Where .env.example and the code disagree (CONCURRENT_MESSAGE_MAX: 2 vs 1; the LIMIT_* switches
 * and BAN_VIOLATIONS, off in code when unset), the .env.example value is used: it is what a
 * LibreChat install copies and runs with.
 */
public final class LibreChatEnv {

    /** One variable as the .env file sets it; {@code line} is where its value starts. */
    public record Variable(String name, String value, int line) {
    }

    /**
     * One line of the mapping.
     *
     * @param variable    the LibreChat variable, or null for a LibreChat behaviour with no variable
     * @param value       its value (from the file, else LibreChat's default); secrets are masked
     * @param line        the .env line, 0 when the value is LibreChat's default
     * @param key         the Moat config key it sets, or null when it sets nothing
     * @param configValue the value it sets (config syntax), or what happens instead when key is null
     * @param note        where the value came from and what it means
     */
    public record Mapping(String variable, String value, int line, String key, String configValue, String note) {

        /** {@code LOGIN_MAX=7 -> rate_limits.client.target.login[0].max = 7 (LibreChat default)}. */
        public String explain() {
            String lhs = variable == null ? "(LibreChat behaviour)" : variable + "=" + value;
            String rhs = key == null ? configValue : key + " = " + configValue;
            return lhs + " -> " + rhs + (note == null || note.isEmpty() ? "" : " (" + note + ")");
        }
    }

    private final String source;
    private final Map<String, Variable> variables;
    private final List<Mapping> mappings = new ArrayList<>();
    private final MapNode tree;
    private final List<ConfigError> errors;
    /** LibreChat's default of each variable, as the mapping meets it (for the explain lines). */
    private final Map<String, String> defaults = new java.util.HashMap<>();

    private LibreChatEnv(String source, Map<String, Variable> variables, List<ConfigError> errors) {
        this.source = source;
        this.variables = Collections.unmodifiableMap(variables);
        this.errors = errors;
        this.tree = new MapNode(Origin.of(source, 0));
        map();
    }

    /** Reads and maps a .env file. @throws ConfigException with every malformed value, by variable and line */
    public static LibreChatEnv read(Path file) throws ConfigException {
        List<ConfigError> errors = new ArrayList<>();
        LibreChatEnv env = read(file, errors);
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return env;
    }

    /** Parses and maps .env text; {@code sourceName} appears in messages. @throws ConfigException as {@link #read} */
    public static LibreChatEnv parse(String content, String sourceName) throws ConfigException {
        List<ConfigError> errors = new ArrayList<>();
        LibreChatEnv env = parse(content, sourceName, errors);
        if (!errors.isEmpty()) {
            throw new ConfigException(errors);
        }
        return env;
    }

    static LibreChatEnv read(Path file, List<ConfigError> errors) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            errors.add(new ConfigError("", 0, "cannot read the env file: " + e, file.toString()));
            text = "";
        }
        return parse(text, file.getFileName() == null ? file.toString() : file.getFileName().toString(), errors);
    }

    static LibreChatEnv parse(String content, String sourceName, List<ConfigError> errors) {
        return new LibreChatEnv(sourceName, DotEnv.parse(content, sourceName, errors), errors);
    }

    /** Every variable the file sets, by name (later lines win, as in dotenv). */
    public Map<String, String> variables() {
        Map<String, String> out = new LinkedHashMap<>();
        variables.forEach((k, v) -> out.put(k, v.value()));
        return out;
    }

    /** The mapping, one entry per variable (or behaviour) and config key. */
    public List<Mapping> mappings() {
        return List.copyOf(mappings);
    }

    /** Readable lines for {@code moat config explain}, one per mapping. */
    public List<String> explain() {
        return mappings.stream().map(Mapping::explain).toList();
    }

    /** The file name the variables came from. */
    public String source() {
        return source;
    }

    /** The config tree the variables map to (YAML is laid over it). */
    MapNode tree() {
        return tree;
    }

    // ------------------------------------------------------------------ the mapping

    private static final String TARGET = "rate_limits.client.target.";

    private void map() {
        // bans (api/cache/banViolation.js, getLogStores.js: math(BAN_DURATION, 7200000), math(BAN_INTERVAL, 20))
        boolean bansOn = bool("BAN_VIOLATIONS", "true", "bans.enabled");
        Long duration = number("BAN_DURATION", "1000 * 60 * 60 * 2", Long.MIN_VALUE);
        if (duration != null) {
            long ms = Math.max(0, duration);
            emit("BAN_DURATION", "bans.duration", Durations.format(ms),
                    ms == 0 ? "milliseconds; 0 or less is LibreChat's soft ban: sessions end, nothing is stored"
                            : "milliseconds");
            behaviour("bans.escalation.factor", "1", "LibreChat bans never escalate");
            if (ms > BanPolicy.DEFAULTS.maxMillis()) {
                behaviour("bans.escalation.max", Durations.format(ms), "at least bans.duration");
            }
        }
        Long interval = number("BAN_INTERVAL", "20", 1);
        if (interval != null) {
            emit("BAN_INTERVAL", "bans.interval", Long.toString(interval), null);
        }
        if (!bansOn) {
            // nothing else: violations are still recorded, as in LibreChat
            mappings.add(new Mapping(null, null, 0, null, "violations are recorded but never ban", "BAN_VIOLATIONS is not true"));
        }

        // violation scores (logViolation's score argument; LibreChat's default is 1 when unset)
        score("LOGIN_VIOLATION_SCORE", "1", "logins");
        score("REGISTRATION_VIOLATION_SCORE", "1", "registrations");
        score("CONCURRENT_VIOLATION_SCORE", "1", "concurrent");
        score("MESSAGE_VIOLATION_SCORE", "1", "message_limit");
        score("NON_BROWSER_VIOLATION_SCORE", "20", "non_browser");
        score("ILLEGAL_MODEL_REQ_SCORE", "5", "illegal_model_request");
        score("FILE_UPLOAD_VIOLATION_SCORE", "1", "file_upload_limit");
        score("TTS_VIOLATION_SCORE", "1", "tts_limit");
        score("STT_VIOLATION_SCORE", "1", "stt_limit");
        score("TOOL_CALL_VIOLATION_SCORE", "1", "tool_call_limit");
        score("RESET_PASSWORD_VIOLATION_SCORE", "1", "reset_password_limit");
        score("VERIFY_EMAIL_VIOLATION_SCORE", "1", "verify_email_limit");
        for (String name : List.of("IMPORT_VIOLATION_SCORE", "FORK_VIOLATION_SCORE")) {
            Variable v = variables.get(name);
            if (v != null) {
                number(name, "1", 0);
                mappings.add(new Mapping(name, v.value(), v.line(), null,
                        "not mapped: Moat records " + (name.startsWith("IMPORT") ? "import" : "fork")
                                + " refusals as file_upload_limit, scored by FILE_UPLOAD_VIOLATION_SCORE"
                                + " (violations.scores.file_upload_limit)", source + " line " + v.line()));
            }
        }
        Variable convo = variables.get("CONVO_ACCESS_VIOLATION_SCORE");
        if (convo != null) {
            mappings.add(new Mapping(convo.name(), convo.value(), convo.line(), null,
                    "not mapped: conversation access is checked by LibreChat itself; report it with"
                            + " POST /v1/violations and set violations.scores for its type", source + " line " + convo.line()));
        }
        // LibreChat's logViolation returns early without a signed-in user, so a login flood from one IP is
        // refused but never scored there. Moat keeps anonymous: ip, so the same flood leads to an IP ban.
        mappings.add(new Mapping(null, null, 0, null, "violations.anonymous stays ip",
                "LibreChat scores only signed-in users; set violations.anonymous: none in moat.yaml for exactly that"));
        behaviour("violations.per_type", "true", "one score per violation type");

        // limiters: express-rate-limit fixed windows; windows in minutes
        limiter("login", "loginLimiter", new Part(null, null, "LOGIN_MAX", "7", "LOGIN_WINDOW", "5", "ip", false));
        limiter("registration", "registerLimiter",
                new Part(null, null, "REGISTER_MAX", "5", "REGISTER_WINDOW", "60", "ip", false));
        limiter("message", "messageLimiters",
                new Part("LIMIT_MESSAGE_IP", "true", "MESSAGE_IP_MAX", "40", "MESSAGE_IP_WINDOW", "1", "ip", false),
                new Part("LIMIT_MESSAGE_USER", "false", "MESSAGE_USER_MAX", "40", "MESSAGE_USER_WINDOW", "1", "user", false));
        limiter("file_upload", "uploadLimiters",
                new Part(null, null, "FILE_UPLOAD_IP_MAX", "100", "FILE_UPLOAD_IP_WINDOW", "15", "ip", true),
                new Part(null, null, "FILE_UPLOAD_USER_MAX", "50", "FILE_UPLOAD_USER_WINDOW", "15", "user", true));
        limiter("import", "importLimiters",
                new Part(null, null, "IMPORT_IP_MAX", "100", "IMPORT_IP_WINDOW", "15", "ip", true),
                new Part(null, null, "IMPORT_USER_MAX", "50", "IMPORT_USER_WINDOW", "15", "user", true));
        limiter("fork", "forkLimiters",
                new Part(null, null, "FORK_IP_MAX", "30", "FORK_IP_WINDOW", "1", "ip", true),
                new Part(null, null, "FORK_USER_MAX", "7", "FORK_USER_WINDOW", "1", "user", true));
        limiter("tts", "ttsLimiters",
                new Part(null, null, "TTS_IP_MAX", "100", "TTS_IP_WINDOW", "1", "ip", true),
                new Part(null, null, "TTS_USER_MAX", "50", "TTS_USER_WINDOW", "1", "user", true));
        limiter("stt", "sttLimiters",
                new Part(null, null, "STT_IP_MAX", "100", "STT_IP_WINDOW", "1", "ip", true),
                new Part(null, null, "STT_USER_MAX", "50", "STT_USER_WINDOW", "1", "user", true));
        limiter("password_reset", "resetPasswordLimiter",
                new Part(null, null, "RESET_PASSWORD_MAX", "2", "RESET_PASSWORD_WINDOW", "2", "ip", false));
        limiter("verify_email", "verifyEmailLimiter",
                new Part(null, null, "VERIFY_EMAIL_MAX", "2", "VERIFY_EMAIL_WINDOW", "2", "ip", false));
        // toolCallLimiter: 1 per second per user, no variables
        String tool = TARGET + "tool_call[0].";
        behaviour(tool + "max", "1", "toolCallLimiter: 1 request");
        behaviour(tool + "per", "1s", "toolCallLimiter: per 1000 ms");
        behaviour(tool + "by", "user", "toolCallLimiter: keyed by user id");
        behaviour(tool + "algorithm", "fixed_window", "express-rate-limit");

        // concurrent messages (concurrentLimiter: pending requests per user, entries expire after a minute)
        String concurrent = "rate_limits.client.concurrent.message";
        boolean concurrentOn = bool("LIMIT_CONCURRENT_MESSAGES", "true", null);
        if (concurrentOn) {
            mappings.add(new Mapping("LIMIT_CONCURRENT_MESSAGES", valueOf("LIMIT_CONCURRENT_MESSAGES", "true"),
                    lineOf("LIMIT_CONCURRENT_MESSAGES"), concurrent, "{max, lease}", noteOf("LIMIT_CONCURRENT_MESSAGES")));
            Long max = number("CONCURRENT_MESSAGE_MAX", "2", Long.MIN_VALUE);
            if (max != null) {
                long m = Math.max(1, max);
                emit("CONCURRENT_MESSAGE_MAX", concurrent + ".max", Long.toString(m),
                        m != max ? "LibreChat uses at least 1" : null);
                behaviour(concurrent + ".lease", "60s", "concurrentLimiter: a pending request is forgotten after 1 minute");
            }
        } else {
            put(concurrent, "off", origin("LIMIT_CONCURRENT_MESSAGES"));
            mappings.add(new Mapping("LIMIT_CONCURRENT_MESSAGES", valueOf("LIMIT_CONCURRENT_MESSAGES", "true"),
                    lineOf("LIMIT_CONCURRENT_MESSAGES"), concurrent, "off", noteOf("LIMIT_CONCURRENT_MESSAGES")));
            unused("CONCURRENT_MESSAGE_MAX", "2", "LIMIT_CONCURRENT_MESSAGES is not true");
        }

        // request checks: uaParser guards the message routes
        behaviour("request_checks.non_browser.actions[0]", "message",
                "uaParser refuses non-browser clients on the message routes");

        // moderation (moderateText.js)
        bool("OPENAI_MODERATION", "false", "moderation.enabled");
        Variable key = variables.get("OPENAI_MODERATION_API_KEY");
        if (key != null && !key.value().isEmpty()) {
            put("moderation.api_key", key.value(), origin(key.name()));
            mappings.add(new Mapping(key.name(), "****", key.line(), "moderation.api_key", "****",
                    source + " line " + key.line()));
        } else {
            put("moderation.api_key", "", origin("OPENAI_MODERATION_API_KEY"));
            mappings.add(new Mapping("OPENAI_MODERATION_API_KEY", "", key == null ? 0 : key.line(),
                    "moderation.api_key", "\"\"", key == null ? "LibreChat default" : source + " line " + key.line()));
        }
        Variable proxy = variables.get("OPENAI_MODERATION_REVERSE_PROXY");
        if (proxy != null && !proxy.value().isBlank()) {
            emit("OPENAI_MODERATION_REVERSE_PROXY", "moderation.url", proxy.value().strip(), "the full moderations URL");
        } else {
            mappings.add(new Mapping("OPENAI_MODERATION_REVERSE_PROXY", proxy == null ? "(unset)" : "", proxy == null ? 0 : proxy.line(),
                    "moderation.url", "https://api.openai.com/v1/moderations", "LibreChat default"));
            put("moderation.url", "https://api.openai.com/v1/moderations", origin("OPENAI_MODERATION_REVERSE_PROXY"));
        }
        behaviour("moderation.on_error", "deny", "LibreChat refuses the message when the moderation call fails");
    }

    /** One express-rate-limit limiter of a restriction: optional switch, max and window (minutes). */
    private record Part(String enableVar, String enableDefault, String maxVar, String maxDefault, String windowVar,
                        String windowDefault, String by, boolean zeroMeansDefault) {
    }

    private void limiter(String restriction, String file, Part... parts) {
        int index = 0;
        for (Part p : parts) {
            boolean on = p.enableVar() == null || bool(p.enableVar(), p.enableDefault(), null);
            if (!on) {
                mappings.add(new Mapping(p.enableVar(), valueOf(p.enableVar(), p.enableDefault()), lineOf(p.enableVar()),
                        null, "no per-" + p.by() + " " + restriction + " limit", noteOf(p.enableVar())));
                unused(p.maxVar(), p.maxDefault(), p.enableVar() + " is not true");
                unused(p.windowVar(), p.windowDefault(), p.enableVar() + " is not true");
                continue;
            }
            String base = TARGET + restriction + "[" + index++ + "].";
            if (p.enableVar() != null) {
                mappings.add(new Mapping(p.enableVar(), valueOf(p.enableVar(), p.enableDefault()), lineOf(p.enableVar()),
                        base.substring(0, base.length() - 1), "{per-" + p.by() + " limit}", noteOf(p.enableVar())));
            }
            Long max = number(p.maxVar(), p.maxDefault(), p.zeroMeansDefault() ? 0 : 1);
            if (max != null && max == 0) {
                max = Long.parseLong(p.maxDefault());
                emit(p.maxVar(), base + "max", Long.toString(max), "0 means LibreChat's default " + max);
            } else if (max != null) {
                emit(p.maxVar(), base + "max", Long.toString(max), null);
            }
            Long window = number(p.windowVar(), p.windowDefault(), p.zeroMeansDefault() ? 0 : 1);
            if (window != null && window == 0) {
                window = Long.parseLong(p.windowDefault());
                emit(p.windowVar(), base + "per", Durations.format(window * 60_000), "minutes; 0 means LibreChat's default");
            } else if (window != null) {
                if (window > Long.MAX_VALUE / 60_000) {
                    error(p.windowVar(), "window of " + window + " minutes is too long");
                } else {
                    emit(p.windowVar(), base + "per", Durations.format(window * 60_000), "minutes");
                }
            }
            behaviour(base + "by", p.by(), file + ": keyed by " + (p.by().equals("ip") ? "IP" : "user id"));
            behaviour(base + "algorithm", "fixed_window", "express-rate-limit");
        }
        if (index == 0) {
            put(TARGET + restriction, "off", new Origin(source, 0, "LibreChat " + file));
            mappings.add(new Mapping(null, null, 0, TARGET + restriction, "off", "every " + file + " switch is off"));
        }
    }

    private void score(String var, String def, String type) {
        Long s = number(var, def, 0);
        if (s != null) {
            emit(var, "violations.scores." + type, Long.toString(s), null);
        }
    }

    // ------------------------------------------------------------------ values

    /** LibreChat's isEnabled: on only for the text "true" (any case). Emits to {@code key} when given. */
    private boolean bool(String var, String def, String key) {
        String value = valueOf(var, def);
        String t = value.strip().toLowerCase(Locale.ROOT);
        boolean on = t.equals("true");
        if (key != null) {
            put(key, Boolean.toString(on), origin(var));
            String note = noteOf(var);
            if (!t.equals("true") && !t.equals("false")) {
                note += "; LibreChat treats anything but 'true' as false";
            }
            mappings.add(new Mapping(var, value, lineOf(var), key, Boolean.toString(on), note));
        }
        return on;
    }

    /** An integer or LibreChat arithmetic form, at least {@code min}; null (error recorded) when invalid. */
    private Long number(String var, String def, long min) {
        String value = valueOf(var, def);
        long n;
        try {
            n = arithmetic(value);
        } catch (IllegalArgumentException e) {
            error(var, e.getMessage());
            return null;
        }
        if (n < min) {
            error(var, "must be at least " + min + ", got '" + value + "'");
            return null;
        }
        return n;
    }

    private void unused(String var, String def, String why) {
        if (variables.containsKey(var)) {
            number(var, def, 0);
        }
        mappings.add(new Mapping(var, valueOf(var, def), lineOf(var), null, "unused", why));
    }

    private void emit(String var, String key, String configValue, String extraNote) {
        put(key, configValue, origin(var));
        String note = noteOf(var) + (extraNote == null ? "" : "; " + extraNote);
        mappings.add(new Mapping(var, valueOf(var, null), lineOf(var), key, configValue, note));
    }

    private void behaviour(String key, String configValue, String why) {
        put(key, configValue, new Origin(source, 0, "LibreChat behaviour"));
        mappings.add(new Mapping(null, null, 0, key, configValue, why));
    }

    private void put(String key, String text, Origin origin) {
        tree.put(key, new Scalar(origin, text));
    }

    private Origin origin(String var) {
        Variable v = variables.get(var);
        return v != null && !v.value().isEmpty() ? new Origin(source, v.line(), "LibreChat " + var)
                : new Origin(source, 0, "LibreChat default of " + var);
    }

    /** The file's value, or LibreChat's default when unset or empty (`parseInt('') || default`). */
    private String valueOf(String var, String def) {
        if (def != null) {
            defaults.putIfAbsent(var, def);
        } else {
            def = defaults.get(var);
        }
        Variable v = variables.get(var);
        if (v != null && !v.value().isEmpty()) {
            return v.value();
        }
        return def == null ? "" : def;
    }

    private int lineOf(String var) {
        Variable v = variables.get(var);
        return v != null && !v.value().isEmpty() ? v.line() : 0;
    }

    private String noteOf(String var) {
        Variable v = variables.get(var);
        return v != null && !v.value().isEmpty() ? source + " line " + v.line() : "LibreChat default";
    }

    private void error(String var, String message) {
        Variable v = variables.get(var);
        errors.add(new ConfigError(var, v == null ? 0 : v.line(),
                (v == null ? "LibreChat default: " : "") + message, source));
    }

    // ------------------------------------------------------------------ arithmetic

    /**
     * Evaluates LibreChat's arithmetic form of a number ({@code 1000 * 60 * 60 * 2},
     * {@code (1000 * 60 * 60 * 24) * 7}): integers, {@code + - *} and parentheses, with overflow
     * checks. A plain integer is the simplest case. No script engine is involved.
     *
     * @throws IllegalArgumentException quoting the text when it is anything else (decimals and
     *                                  {@code /} included) or overflows a long
     */
    public static long arithmetic(String text) {
        if (text == null || text.isBlank()) {
            throw new IllegalArgumentException("expected an integer, got nothing");
        }
        if (text.length() > 256) {
            throw new IllegalArgumentException("expression is longer than 256 characters");
        }
        Arithmetic a = new Arithmetic(text);
        long v = a.sum(0);
        a.skipSpace();
        if (a.pos < text.length()) {
            throw a.unexpected();
        }
        return v;
    }

    private static final class Arithmetic {
        private final String s;
        private int pos;

        Arithmetic(String s) {
            this.s = s;
        }

        long sum(int depth) {
            long v = product(depth);
            while (true) {
                skipSpace();
                if (peek('+')) {
                    pos++;
                    v = exact(v, product(depth), '+');
                } else if (peek('-')) {
                    pos++;
                    v = exact(v, product(depth), '-');
                } else {
                    return v;
                }
            }
        }

        long product(int depth) {
            long v = unary(depth);
            while (true) {
                skipSpace();
                if (peek('*')) {
                    pos++;
                    v = exact(v, unary(depth), '*');
                } else {
                    return v;
                }
            }
        }

        long unary(int depth) {
            skipSpace();
            if (depth > 32) {
                throw new IllegalArgumentException("'" + s + "' nests too deeply");
            }
            if (peek('-')) {
                pos++;
                return exact(0, unary(depth + 1), '-');
            }
            if (peek('+')) {
                pos++;
                return unary(depth + 1);
            }
            if (peek('(')) {
                pos++;
                long v = sum(depth + 1);
                skipSpace();
                if (!peek(')')) {
                    throw pos >= s.length() ? new IllegalArgumentException("'" + s + "' misses a closing ')'")
                            : unexpected();
                }
                pos++;
                return v;
            }
            int start = pos;
            while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
                pos++;
            }
            if (start == pos) {
                throw unexpected();
            }
            try {
                return Long.parseLong(s.substring(start, pos));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("'" + s + "' is too large");
            }
        }

        private long exact(long a, long b, char op) {
            try {
                return switch (op) {
                    case '+' -> Math.addExact(a, b);
                    case '-' -> Math.subtractExact(a, b);
                    default -> Math.multiplyExact(a, b);
                };
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("'" + s + "' is too large");
            }
        }

        boolean peek(char c) {
            return pos < s.length() && s.charAt(pos) == c;
        }

        void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }

        IllegalArgumentException unexpected() {
            String found = pos < s.length() ? "'" + s.charAt(pos) + "' at position " + (pos + 1) : "the end";
            return new IllegalArgumentException("expected an integer or integer arithmetic (digits, +, -, * and"
                    + " parentheses), got '" + s + "' (unexpected " + found + ")");
        }
    }

    // ------------------------------------------------------------------ dotenv

    /** The dotenv file format, as the dotenv package reads it. */
    static final class DotEnv {
        private DotEnv() {
        }

        /** Variables LibreChat's moderation uses: a malformed line that starts with one is an error, not ignored. */
        private static final Set<String> OURS = Set.of("BAN_", "LOGIN_", "REGISTER", "CONCURRENT_", "LIMIT_",
                "MESSAGE_", "ILLEGAL_MODEL", "OPENAI_MODERATION", "FILE_UPLOAD_", "IMPORT_", "FORK_", "TTS_", "STT_",
                "RESET_PASSWORD_", "VERIFY_EMAIL_", "NON_BROWSER", "TOOL_CALL");

        static Map<String, Variable> parse(String content, String source, List<ConfigError> errors) {
            Map<String, Variable> out = new LinkedHashMap<>();
            String s = content.startsWith("\uFEFF") ? content.substring(1) : content;
            s = s.replace("\r\n", "\n").replace('\r', '\n');
            int pos = 0;
            int line = 1;
            while (pos < s.length()) {
                int eol = s.indexOf('\n', pos);
                if (eol < 0) {
                    eol = s.length();
                }
                int startLine = line;
                int i = skipBlank(s, pos, eol);
                if (i >= eol || s.charAt(i) == '#') {
                    pos = eol + 1;
                    line++;
                    continue;
                }
                if (s.startsWith("export", i) && i + 6 < eol && (s.charAt(i + 6) == ' ' || s.charAt(i + 6) == '\t')) {
                    i = skipBlank(s, i + 6, eol);
                }
                int keyStart = i;
                while (i < eol && (Character.isLetterOrDigit(s.charAt(i)) || "_.-".indexOf(s.charAt(i)) >= 0)) {
                    i++;
                }
                String key = s.substring(keyStart, i);
                i = skipBlank(s, i, eol);
                boolean assign = i < eol && (s.charAt(i) == '='
                        || (s.charAt(i) == ':' && i + 1 < eol && Character.isWhitespace(s.charAt(i + 1))));
                if (key.isEmpty() || !assign) {
                    String text = s.substring(skipBlank(s, pos, eol), eol);
                    if (OURS.stream().anyMatch(text::startsWith)) {
                        errors.add(new ConfigError(key.isEmpty() ? "" : key, startLine,
                                "expected KEY=value, got '" + text + "'", source));
                    }
                    pos = eol + 1;
                    line++;
                    continue;
                }
                i = skipBlank(s, i + 1, eol);
                String value;
                int next;
                char q = i < eol ? s.charAt(i) : 0;
                int close = (q == '\'' || q == '"' || q == '`') ? closingQuote(s, i + 1, q) : -1;
                if (close >= 0) {
                    value = s.substring(i + 1, close);
                    if (q == '"') {
                        value = value.replace("\\n", "\n").replace("\\r", "\r");
                    }
                    // the value may span lines; carry on after the line of the closing quote
                    for (int k = i; k < close; k++) {
                        if (s.charAt(k) == '\n') {
                            line++;
                        }
                    }
                    int end = s.indexOf('\n', close);
                    next = end < 0 ? s.length() : end + 1;
                } else {
                    int hash = s.indexOf('#', i);
                    int end = hash >= 0 && hash < eol ? hash : eol;
                    value = s.substring(i, end).strip();
                    next = eol + 1;
                }
                out.put(key, new Variable(key, value, startLine));
                pos = next;
                line++;
            }
            return out;
        }

        private static int skipBlank(String s, int i, int end) {
            while (i < end && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
                i++;
            }
            return i;
        }

        private static int closingQuote(String s, int from, char q) {
            for (int i = from; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '\\' && i + 1 < s.length() && s.charAt(i + 1) == q) {
                    i++;
                } else if (c == q) {
                    return i;
                }
            }
            return -1;
        }
    }
}
