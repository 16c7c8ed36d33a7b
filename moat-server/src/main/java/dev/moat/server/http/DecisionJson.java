package dev.moat.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.moat.core.Decision;
import dev.moat.core.LimitStatus;
import dev.moat.server.observe.JsonBytes;
import io.netty.util.concurrent.FastThreadLocal;
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
    /**
     * Big enough for a refusal with its message, its limit and a few limits (a one-limit refusal is
     * about 420 bytes), so the array rarely grows: at 320 every refusal copied it once.
     */
    private static final int INITIAL_BYTES = 512;
    /** A thread's array is kept for its next answer unless an answer grew it beyond this. */
    private static final int KEPT_BYTES = 16 * 1024;
    /**
     * Each thread (an event loop, a worker) lays its answers out in an array of its own, kept
     * between answers, so an answer allocates only the buffer it is copied into.
     */
    private static final FastThreadLocal<Out> OUT = new FastThreadLocal<>() {
        @Override
        protected Out initialValue() {
            return new Out();
        }
    };

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
        Out b = OUT.get();
        b.n = 0;
        b.put(d.allowed() ? ALLOWED_TRUE : ALLOWED_FALSE);
        b.put(VERDICT).string(d.verdict().wire());
        if (d.reason() != null) {
            b.put(REASON).string(d.reason().wire());
        }
        if (d.message() != null) {
            b.put(MESSAGE).string(d.message());
        }
        if (d.retryAfterMillis() >= 0 && !d.allowed()) {
            b.put(RETRY_AFTER_MS).number(d.retryAfterMillis());
        }
        if (d.limit() != null) {
            LimitStatus l = d.limit();
            b.put(LIMIT_ID).string(l.id());
            b.put(SCOPE).string(l.scope());
            b.put(KEY).string(l.key());
            b.put(MAX).number(l.max());
            b.put(WINDOW_MS).number(l.windowMillis());
            b.put(REMAINING).number(l.remaining());
            b.ascii('}');
        }
        b.put(LIMITS);
        boolean first = true;
        for (LimitStatus l : d.limits()) {
            if (!first) {
                b.ascii(',');
            }
            first = false;
            b.put(ID).string(l.id());
            b.put(SCOPE).string(l.scope());
            b.put(MAX).number(l.max());
            b.put(WINDOW_MS).number(l.windowMillis());
            b.put(REMAINING).number(l.remaining());
            b.put(RESET_MS).number(l.resetMillis());
            b.ascii('}');
        }
        b.ascii(']');
        if (d.violation() != null) {
            b.put(VIOLATION).put(Json.buffer(Wire.violation(d.violation())).getBytes());
        }
        if (d.ban() != null) {
            b.put(BAN).put(Json.buffer(Wire.ban(d.ban())).getBytes());
        }
        if (d.censoredText() != null) {
            b.put(CENSORED_TEXT).string(d.censoredText());
        }
        if (d.filter() != null) {
            b.put(FILTER).string(d.filter());
        }
        if (d.reply() != null) {
            b.put(REPLY).string(d.reply());
        }
        b.ascii('}');
        Buffer answer = Buffer.buffer(b.n).appendBytes(b.a, 0, b.n);
        if (b.a.length > KEPT_BYTES) {
            OUT.remove();   // a rare long answer (a long message or reply) does not stay with the thread
        }
        return answer;
    }

    /**
     * The answer's bytes, written into one growing array, the thread's own (above), instead of a
     * byte array per string and a string per number (the refused path's answer, with its message
     * and limit, was the largest share of what a refusal allocated).
     */
    private static final class Out extends JsonBytes<Out> {
        Out() {
            super(INITIAL_BYTES);
        }

        /**
         * A JSON string: plain printable ASCII as is; anything else (user text, mostly) by the mapper's
         * own generator, which escapes control characters and writes characters outside the BMP as
         * surrogate escapes.
         */
        Out string(String s) {
            if (plainAscii(s)) {
                room(s.length() + 2);
                a[n++] = '"';
                for (int i = 0; i < s.length(); i++) {
                    a[n++] = (byte) s.charAt(i);
                }
                a[n++] = '"';
                return this;
            }
            try {
                return put(Json.MAPPER.writeValueAsBytes(s));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("cannot render a string as JSON", e);
            }
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
