package dev.moat.server.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import dev.moat.core.Decision;
import dev.moat.core.LimitStatus;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The answer of {@code POST /v1/check} written straight to bytes with Jackson's streaming generator:
 * the same fields in the same order as {@link Wire#decision}, without building a tree and without
 * the mapper's per-call serializer set-up. This is the hot path of the API (bench/run.sh, step
 * {@code http}); the rare parts (a violation, a ban) are still rendered by {@link Wire}.
 */
final class DecisionJson {
    /** Big enough for an allowed decision with a few limits, so the builder rarely grows. */
    private static final int INITIAL_BYTES = 256;

    private DecisionJson() {
    }

    static Buffer buffer(Decision d) {
        ByteArrayBuilder out = new ByteArrayBuilder(INITIAL_BYTES);
        try (JsonGenerator g = Json.MAPPER.getFactory().createGenerator(out)) {
            write(g, d);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Buffer.buffer(out.toByteArray());
    }

    private static void write(JsonGenerator g, Decision d) throws IOException {
        g.writeStartObject();
        g.writeBooleanField("allowed", d.allowed());
        g.writeStringField("verdict", d.verdict().wire());
        if (d.reason() != null) {
            g.writeStringField("reason", d.reason().wire());
        }
        if (d.message() != null) {
            g.writeStringField("message", d.message());
        }
        if (d.retryAfterMillis() >= 0 && !d.allowed()) {
            g.writeNumberField("retry_after_ms", d.retryAfterMillis());
        }
        if (d.limit() != null) {
            LimitStatus l = d.limit();
            g.writeObjectFieldStart("limit");
            g.writeStringField("id", l.id());
            g.writeStringField("scope", l.scope());
            g.writeStringField("key", l.key());
            g.writeNumberField("max", l.max());
            g.writeNumberField("window_ms", l.windowMillis());
            g.writeNumberField("remaining", l.remaining());
            g.writeEndObject();
        }
        g.writeArrayFieldStart("limits");
        for (LimitStatus l : d.limits()) {
            g.writeStartObject();
            g.writeStringField("id", l.id());
            g.writeStringField("scope", l.scope());
            g.writeNumberField("max", l.max());
            g.writeNumberField("window_ms", l.windowMillis());
            g.writeNumberField("remaining", l.remaining());
            g.writeNumberField("reset_ms", l.resetMillis());
            g.writeEndObject();
        }
        g.writeEndArray();
        if (d.violation() != null) {
            g.writeFieldName("violation");
            Json.MAPPER.writeTree(g, Wire.violation(d.violation()));
        }
        if (d.ban() != null) {
            g.writeFieldName("ban");
            Json.MAPPER.writeTree(g, Wire.ban(d.ban()));
        }
        if (d.censoredText() != null) {
            g.writeStringField("censored_text", d.censoredText());
        }
        if (d.filter() != null) {
            g.writeStringField("filter", d.filter());
        }
        if (d.reply() != null) {
            g.writeStringField("reply", d.reply());
        }
        g.writeEndObject();
    }
}
