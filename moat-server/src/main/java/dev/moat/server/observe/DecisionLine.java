package dev.moat.server.observe;

import dev.moat.core.CheckRequest;
import dev.moat.core.Decision;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * One refusal's audit line ({@code event: decision}) as the log writer queues it: the few values the
 * line shows, captured on the request's thread, and laid out later, in a batch, on the writer's
 * thread ({@link BatchingStderrAppender}), straight into the batch's bytes.
 *
 * <p>Why: built through SLF4J's fluent API, a refusal paid on the event loop for a key-value list
 * (a pair object per field), logback's event (thread name, MDC map, level conversion), the
 * message's concatenation, and on the writer for the generic layout of every value; that was
 * most of what a refusal cost beyond an admitted check (docs/operations.md, HTTP throughput).
 * This record costs one object on the event loop. The line it writes is byte for byte the one
 * {@link JsonLayout} writes for the same event through SLF4J (DecisionLineTest compares them):
 * the constant parts are encoded once, plain ASCII values are copied, and anything else goes
 * through the layout's own escaping and the encoder's charset.
 */
final class DecisionLine {
    private static final byte[] TS = ascii("{\"ts\":\"");
    private static final byte[] HEAD = ascii("\",\"level\":\"INFO\",\"logger\":\"moat.audit\",\"event\":\"decision\"");
    private static final byte[] VERDICT = ascii(",\"verdict\":");
    private static final byte[] REASON = ascii(",\"reason\":");
    private static final byte[] ACTION = ascii(",\"action\":");
    private static final byte[] REALM = ascii(",\"realm\":");
    private static final byte[] USER = ascii(",\"user\":");
    private static final byte[] IP = ascii(",\"ip\":");
    private static final byte[] SERVER = ascii(",\"server\":");
    private static final byte[] APPSERVICE = ascii(",\"appservice\":");
    private static final byte[] LIMIT = ascii(",\"limit\":");
    private static final byte[] KEY = ascii(",\"key\":");
    private static final byte[] RETRY_AFTER_MS = ascii(",\"retry_after_ms\":");
    private static final byte[] VIOLATION = ascii(",\"violation\":");
    private static final byte[] SCORE_TOTAL = ascii(",\"score_total\":");
    private static final byte[] FILTER = ascii(",\"filter\":");
    private static final byte[] TEXT = ascii(",\"text\":");
    private static final byte[] MSG = ascii(",\"msg\":\"");
    private static final byte[] END = ascii("\"}\n");
    private static final byte[] BY = ascii(" by ");
    private static final byte[] FROM = ascii(" from ");
    private static final byte[] COLON = ascii(": ");
    private static final byte[] USER_PREFIX = ascii("user:");
    private static final byte[] IP_PREFIX = ascii("ip:");
    private static final byte[] SERVER_PREFIX = ascii("server:");
    private static final byte[] APPSERVICE_PREFIX = ascii("appservice:");

    private final long atMillis;
    private final String verdict;
    private final byte[] tag;
    private final String reason;
    private final String action;
    private final String realm;      // null for client
    private final String user;
    private final String ip;
    private final String server;
    private final String appservice;
    private final String limitId;
    private final String limitKey;
    private final long retryAfterMillis;
    private final String violation;
    private final double scoreTotal;
    private final String filter;
    private final String text;       // null unless server.log_message_text

    DecisionLine(long atMillis, CheckRequest r, Decision d, byte[] tag, boolean withText) {
        this.atMillis = atMillis;
        this.verdict = d.verdict().wire();
        this.tag = tag;
        this.reason = d.reason() == null ? null : d.reason().wire();
        this.action = r.action();
        String realmWire = r.realm().wire();
        this.realm = "client".equals(realmWire) ? null : realmWire;
        this.user = r.user();
        this.ip = r.ip();
        this.server = r.server();
        this.appservice = r.appservice();
        this.limitId = d.limit() == null ? null : d.limit().id();
        this.limitKey = d.limit() == null ? null : d.limit().key();
        this.retryAfterMillis = d.retryAfterMillis();
        this.violation = d.violation() == null ? null : d.violation().type();
        this.scoreTotal = d.violation() == null ? 0 : d.violation().total();
        this.filter = d.filter();
        this.text = withText && r.message() != null ? r.message().text() : null;
    }

    /** Appends the line, {@code \n} included, to {@code out}; {@code clock} formats the time. */
    void writeTo(Bytes out, Timestamps clock) {
        out.put(TS);
        clock.write(out, atMillis);
        out.put(HEAD);
        field(out, VERDICT, verdict);
        field(out, REASON, reason);
        field(out, ACTION, action);
        field(out, REALM, realm);
        field(out, USER, user);
        field(out, IP, ip);
        field(out, SERVER, server);
        field(out, APPSERVICE, appservice);
        if (limitId != null) {
            field(out, LIMIT, limitId);
            field(out, KEY, limitKey);
        }
        if (retryAfterMillis >= 0) {
            out.put(RETRY_AFTER_MS).number(retryAfterMillis);
        }
        if (violation != null) {
            field(out, VIOLATION, violation);
            out.put(SCORE_TOTAL);
            score(out, scoreTotal);
        }
        field(out, FILTER, filter);
        field(out, TEXT, text);
        // the message, "[DENY] login by ip:203.0.113.7: rate_limited", escaped part by part
        out.put(MSG).put(tag);
        out.escaped(action);
        out.put(BY);
        if (user != null) {
            out.put(USER_PREFIX).escaped(user);
            if (ip != null) {
                out.put(FROM).escaped(ip);
            }
        } else if (ip != null) {
            out.put(IP_PREFIX).escaped(ip);
        } else if (server != null) {
            out.put(SERVER_PREFIX).escaped(server);
        } else {
            out.put(APPSERVICE_PREFIX).escaped(String.valueOf(appservice));
        }
        out.put(COLON);
        if (reason != null) {
            out.escaped(reason);
        }
        out.put(END);
    }

    /** A key-value as the layout writes it: absent when the value is null. */
    private static void field(Bytes out, byte[] name, String value) {
        if (value != null) {
            out.put(name).put((byte) '"').escaped(value).put((byte) '"');
        }
    }

    /** A double as {@link JsonLayout} writes it: whole numbers without a fraction. */
    private static void score(Bytes out, double d) {
        if (Double.isFinite(d)) {
            if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                out.number((long) d);
            } else {
                out.ascii(Double.toString(d));
            }
        } else {
            out.put((byte) '"').ascii(Double.toString(d)).put((byte) '"');
        }
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The writer's growing byte array, with the layout's JSON escaping. One per writer thread. */
    static final class Bytes extends JsonBytes<Bytes> {
        private final Charset charset;
        private final StringBuilder scratch = new StringBuilder(64);

        /** {@code charset}: how the encoder turns a laid-out line into bytes (logback's default: the platform's). */
        Bytes(int initial, Charset charset) {
            super(initial);
            this.charset = charset;
        }

        /** The inside of a JSON string, escaped exactly as {@link JsonLayout#string} escapes it. */
        Bytes escaped(String s) {
            int len = s.length();
            room(len);
            int start = n;
            for (int i = 0; i < len; i++) {
                char c = s.charAt(i);
                if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
                    n = start;   // rare: anything to escape or beyond ASCII goes the layout's way
                    return escapedSlow(s);
                }
                a[n++] = (byte) c;
            }
            return this;
        }

        private Bytes escapedSlow(String s) {
            scratch.setLength(0);
            JsonLayout.string(scratch, s);
            // the layout's quotes are the caller's: only what is between them
            byte[] b = scratch.substring(1, scratch.length() - 1).getBytes(charset);
            return put(b);
        }

        /** Empties it for the next batch. */
        void reset() {
            n = 0;
            if (a.length > 1 << 20) {
                a = new byte[64 * 1024];   // a burst of long lines does not keep a big array forever
            }
        }
    }

    /**
     * {@code Instant.ofEpochMilli(millis).toString()} as ASCII bytes, the date and time encoded once
     * per second (the writer's thread only).
     */
    static final class Timestamps {
        private final JsonLayout layout;
        private long keptSecond = Long.MIN_VALUE;
        private byte[] kept;
        private final StringBuilder sb = new StringBuilder(32);

        Timestamps(JsonLayout layout) {
            this.layout = layout;
        }

        void write(Bytes out, long millis) {
            long second = Math.floorDiv(millis, 1000);
            int ms = (int) Math.floorMod(millis, 1000);
            if (second != keptSecond) {
                sb.setLength(0);
                layout.timestamp(sb, second * 1000);   // "...:42Z": the same text the layout writes
                kept = ascii(sb.substring(0, sb.length() - 1));
                keptSecond = second;
            }
            out.put(kept);
            if (ms != 0) {
                out.put((byte) '.').put((byte) ('0' + ms / 100)).put((byte) ('0' + ms / 10 % 10)).put((byte) ('0' + ms % 10));
            }
            out.put((byte) 'Z');
        }
    }
}
