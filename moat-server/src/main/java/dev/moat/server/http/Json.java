package dev.moat.server.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * The one configured Jackson mapper, with the bounds that keep hostile JSON cheap: nesting at most
 * {@value #MAX_DEPTH} deep, no string over {@value #MAX_STRING_CHARS} characters, short numbers
 * and names, duplicate keys rejected. Plus small rendering helpers shared by the handlers.
 */
public final class Json {
    /** Deepest nesting accepted in a request body. */
    public static final int MAX_DEPTH = 32;
    /** Longest string value accepted anywhere in a body (fields have their own, smaller bounds). */
    public static final int MAX_STRING_CHARS = 256 * 1024;

    public static final ObjectMapper MAPPER = mapper();
    /** Reads trees with {@link #MAPPER}'s settings; made once, so a read skips the mapper's per-call set-up. */
    private static final ObjectReader TREE_READER = MAPPER.readerFor(JsonNode.class);

    /** Beyond year 9999 an instant is not RFC 3339; such "forever" instants are rendered as the last second of 9999. */
    private static final long MAX_RFC3339_MILLIS = Instant.parse("9999-12-31T23:59:59Z").toEpochMilli();

    private Json() {
    }

    private static ObjectMapper mapper() {
        JsonFactory f = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder()
                        .maxNestingDepth(MAX_DEPTH)
                        .maxStringLength(MAX_STRING_CHARS)
                        .maxNumberLength(40)
                        .maxNameLength(1024)
                        .build())
                .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
                .build();
        f.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        ObjectMapper m = new ObjectMapper(f);
        m.enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        m.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
        m.enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);
        return m;
    }

    public static ObjectNode object() {
        return JsonNodeFactory.instance.objectNode();
    }

    public static Buffer buffer(JsonNode node) {
        try {
            return Buffer.buffer(MAPPER.writeValueAsBytes(node));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode read(byte[] bytes) throws IOException {
        return TREE_READER.readTree(bytes);
    }

    /** RFC 3339 UTC, e.g. {@code 2025-01-02T03:04:05.678Z}. */
    public static String instant(long epochMillis) {
        return Instant.ofEpochMilli(Math.min(epochMillis, MAX_RFC3339_MILLIS)).toString();
    }

    /** Puts a score: an integer when it is whole (1, not 1.0). */
    public static void putNumber(ObjectNode o, String field, double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            o.put(field, (long) v);
        } else {
            o.put(field, v);
        }
    }
}
