package dev.moat.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.moat.core.Decision;
import dev.moat.core.LimitStatus;
import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;

/**
 * The answer of {@code POST /v1/check} written straight into a buffer: the same bytes as
 * {@link Wire#decision} rendered by the mapper (same fields, same order, Jackson's escaping), but
 * without building a tree or setting up a generator per request. This is the hot path of the API
 * (bench/run.sh, step {@code http}). Field names are constants; a string that is plain printable
 * ASCII is copied as is and any other goes through the mapper; the rare parts (a
 * violation, a ban) are rendered by {@link Wire}.
 */
final class DecisionJson {
    /** Big enough for a decision with a few limits, so the buffer rarely grows. */
    private static final int INITIAL_BYTES = 320;

    private static final byte[] ALLOWED_TRUE = ascii("{\"allowed\":true");
    private static final byte[] ALLOWED_FALSE = ascii("{\"allowed\":false");
    private static final byte[] VERDICT = ascii(",\"verdict\":");
    private static final byte[] REASON = ascii(",\"reason\":");
    private static final byte[] MESSAGE = ascii(",\"message\":");
    private static final byte[] RETRY_AFTER_MS = ascii(",\"retry_after_ms\":");
    private static final byte[] LIMIT_ID = ascii(",\"limit\":{\"id\":");
    private static final byte[] LIMITS = ascii(",\"limits\":[");
    private static final byte[] ID = ascii("{\"id\":");
    private static final byte[] SCOPE = ascii(",\"scope\":");
    private static final byte[] KEY = ascii(",\"key\":");
    private static final byte[] MAX = ascii(",\"max\":");
    private static final byte[] WINDOW_MS = ascii(",\"window_ms\":");
    private static final byte[] REMAINING = ascii(",\"remaining\":");
    private static final byte[] RESET_MS = ascii(",\"reset_ms\":");
    private static final byte[] VIOLATION = ascii(",\"violation\":");
    private static final byte[] BAN = ascii(",\"ban\":");
    private static final byte[] CENSORED_TEXT = ascii(",\"censored_text\":");
    private static final byte[] FILTER = ascii(",\"filter\":");
    private static final byte[] REPLY = ascii(",\"reply\":");

    private DecisionJson() {
    }

    static Buffer buffer(Decision d) {
        Buffer b = Buffer.buffer(INITIAL_BYTES);
        b.appendBytes(d.allowed() ? ALLOWED_TRUE : ALLOWED_FALSE);
        string(b.appendBytes(VERDICT), d.verdict().wire());
        if (d.reason() != null) {
            string(b.appendBytes(REASON), d.reason().wire());
        }
        if (d.message() != null) {
            string(b.appendBytes(MESSAGE), d.message());
        }
        if (d.retryAfterMillis() >= 0 && !d.allowed()) {
            number(b.appendBytes(RETRY_AFTER_MS), d.retryAfterMillis());
        }
        if (d.limit() != null) {
            LimitStatus l = d.limit();
            string(b.appendBytes(LIMIT_ID), l.id());
            string(b.appendBytes(SCOPE), l.scope());
            string(b.appendBytes(KEY), l.key());
            number(b.appendBytes(MAX), l.max());
            number(b.appendBytes(WINDOW_MS), l.windowMillis());
            number(b.appendBytes(REMAINING), l.remaining());
            b.appendByte((byte) '}');
        }
        b.appendBytes(LIMITS);
        boolean first = true;
        for (LimitStatus l : d.limits()) {
            if (!first) {
                b.appendByte((byte) ',');
            }
            first = false;
            string(b.appendBytes(ID), l.id());
            string(b.appendBytes(SCOPE), l.scope());
            number(b.appendBytes(MAX), l.max());
            number(b.appendBytes(WINDOW_MS), l.windowMillis());
            number(b.appendBytes(REMAINING), l.remaining());
            number(b.appendBytes(RESET_MS), l.resetMillis());
            b.appendByte((byte) '}');
        }
        b.appendByte((byte) ']');
        if (d.violation() != null) {
            b.appendBytes(VIOLATION).appendBuffer(Json.buffer(Wire.violation(d.violation())));
        }
        if (d.ban() != null) {
            b.appendBytes(BAN).appendBuffer(Json.buffer(Wire.ban(d.ban())));
        }
        if (d.censoredText() != null) {
            string(b.appendBytes(CENSORED_TEXT), d.censoredText());
        }
        if (d.filter() != null) {
            string(b.appendBytes(FILTER), d.filter());
        }
        if (d.reply() != null) {
            string(b.appendBytes(REPLY), d.reply());
        }
        return b.appendByte((byte) '}');
    }

    private static void number(Buffer b, long v) {
        b.appendString(Long.toString(v), "ISO-8859-1");
    }

    /**
     * A JSON string: plain printable ASCII as is; anything else (user text, mostly) by the mapper's
     * own generator, which escapes control characters and writes characters outside the BMP as
     * surrogate escapes.
     */
    private static void string(Buffer b, String s) {
        if (plainAscii(s)) {
            b.appendByte((byte) '"').appendBytes(s.getBytes(StandardCharsets.ISO_8859_1)).appendByte((byte) '"');
            return;
        }
        try {
            b.appendBytes(Json.MAPPER.writeValueAsBytes(s));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render a string as JSON", e);
        }
    }

    private static boolean plainAscii(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
