package dev.moat.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * A request body read as a JSON object, with typed accessors that collect every problem and name
 * its field ({@code message.text}, not just "bad request"). Absent and {@code null} are the same.
 * Unknown fields are ignored, so callers may send fields of later versions. Call {@link #check()}
 * once everything is read: it throws one 400 listing every error.
 */
public final class JsonBody {
    private final JsonNode node;
    private final String prefix;
    private final List<ApiException.FieldError> errors;

    private JsonBody(JsonNode node, String prefix, List<ApiException.FieldError> errors) {
        this.node = node;
        this.prefix = prefix;
        this.errors = errors;
    }

    /** Parses a body that must be a JSON object; malformed or hostile JSON is a 400 naming {@code body}. */
    public static JsonBody parse(Buffer body) {
        if (body == null || body.length() == 0) {
            throw ApiException.invalid("body", "is required: a JSON object");
        }
        JsonNode n;
        try {
            n = Json.read(body.getBytes());
        } catch (StreamConstraintsException e) {
            throw ApiException.invalid("body", "too complex: " + firstLine(e.getOriginalMessage())
                    + " (at most " + Json.MAX_DEPTH + " levels of nesting, strings of at most " + Json.MAX_STRING_CHARS
                    + " characters)");
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
            throw ApiException.invalid("body", "malformed JSON" + where + ": " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw ApiException.invalid("body", "unreadable: " + firstLine(e.getMessage()));
        } catch (NumberFormatException e) {
            // a number the tree cannot hold (an exponent of billions: Jackson refuses it as a BigDecimal)
            throw ApiException.invalid("body", "has a number out of range: " + firstLine(e.getMessage()));
        }
        if (n == null || n.isMissingNode()) {
            throw ApiException.invalid("body", "is required: a JSON object");
        }
        if (!n.isObject()) {
            throw ApiException.invalid("body", "must be a JSON object, was " + kind(n));
        }
        return new JsonBody(n, "", new ArrayList<>());
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }

    private JsonNode get(String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v;
    }

    private String name(String field) {
        return prefix + field;
    }

    private void error(String field, String message) {
        errors.add(new ApiException.FieldError(name(field), message));
    }

    /** Records an error found by the caller's own validation. */
    public void reject(String field, String message) {
        error(field, message);
    }

    public boolean has(String field) {
        return get(field) != null;
    }

    /** A string of 1 to {@code maxChars} characters; null when absent (an error if required). */
    public String string(String field, int maxChars, boolean required) {
        JsonNode v = get(field);
        if (v == null) {
            if (required) {
                error(field, "is required");
            }
            return null;
        }
        if (!v.isTextual()) {
            error(field, "must be a string, was " + kind(v));
            return null;
        }
        String s = v.textValue();
        if (s.isEmpty()) {
            error(field, "must not be empty");
            return null;
        }
        if (s.length() > maxChars) {
            error(field, "must be at most " + maxChars + " characters, was " + s.length());
            return null;
        }
        return s;
    }

    /** A whole number in [min, max]; null when absent. */
    public Long integer(String field, long min, long max) {
        JsonNode v = get(field);
        if (v == null) {
            return null;
        }
        if (!v.isNumber()) {
            error(field, "must be an integer, was " + kind(v));
            return null;
        }
        BigInteger i;
        try {
            i = v.isIntegralNumber() ? v.bigIntegerValue() : v.decimalValue().toBigIntegerExact();
        } catch (ArithmeticException e) {
            error(field, "must be an integer, was " + v.asText());
            return null;
        }
        if (i.compareTo(BigInteger.valueOf(min)) < 0) {
            error(field, (min == 0 ? "must not be negative" : "must be at least " + min) + ", was " + i);
            return null;
        }
        if (i.compareTo(BigInteger.valueOf(max)) > 0) {
            error(field, "must be at most " + max + ", was " + i);
            return null;
        }
        return i.longValue();
    }

    /** A finite number in [min, max]; null when absent. */
    public Double number(String field, double min, double max) {
        JsonNode v = get(field);
        if (v == null) {
            return null;
        }
        if (!v.isNumber()) {
            error(field, "must be a number, was " + kind(v));
            return null;
        }
        BigDecimal d = v.decimalValue();
        if (d.compareTo(BigDecimal.valueOf(min)) < 0) {
            error(field, (min == 0 ? "must not be negative" : "must be at least " + min) + ", was " + d.toPlainString());
            return null;
        }
        if (d.compareTo(BigDecimal.valueOf(max)) > 0) {
            error(field, "must be at most " + max + ", was " + d.toPlainString());
            return null;
        }
        return d.doubleValue();
    }

    /** A boolean; {@code dflt} when absent. */
    public boolean bool(String field, boolean dflt) {
        JsonNode v = get(field);
        if (v == null) {
            return dflt;
        }
        if (!v.isBoolean()) {
            error(field, "must be true or false, was " + kind(v));
            return dflt;
        }
        return v.booleanValue();
    }

    /** A nested object read with the same rules (its errors are named {@code field.sub}); null when absent. */
    public JsonBody object(String field) {
        JsonNode v = get(field);
        if (v == null) {
            return null;
        }
        if (!v.isObject()) {
            error(field, "must be an object, was " + kind(v));
            return null;
        }
        return new JsonBody(v, name(field) + ".", errors);
    }

    /** An instant: an RFC 3339 string, or an integer of seconds since the epoch (a JWT NumericDate). */
    public Long instantMillis(String field, boolean required) {
        JsonNode v = get(field);
        if (v == null) {
            if (required) {
                error(field, "is required (an RFC 3339 instant such as 2030-01-01T00:00:00Z)");
            }
            return null;
        }
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            long seconds = v.longValue();
            if (seconds < 0 || seconds > 253402300799L) {
                error(field, "seconds since the epoch out of range: " + seconds);
                return null;
            }
            return seconds * 1000;
        }
        if (!v.isTextual()) {
            error(field, "must be an RFC 3339 instant (or epoch seconds), was " + kind(v));
            return null;
        }
        try {
            return Instants.parse(v.textValue());
        } catch (IllegalArgumentException e) {
            error(field, e.getMessage());
            return null;
        }
    }

    /** Throws one 400 naming every field found wrong so far. */
    public void check() {
        if (!errors.isEmpty()) {
            throw ApiException.invalid(errors);
        }
    }

    static String kind(JsonNode v) {
        return switch (v.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case ARRAY -> "an array";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}
