package dev.moat.server.gateway;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.util.List;

/**
 * Reads the values at a fixed set of JSON pointers from one document in a single streaming pass,
 * without building a tree: only the branches a pointer goes into are walked, everything else is
 * skipped token by token (and so still checked to be JSON).
 *
 * <p>Why. A relayed frame used to become a full Jackson tree just to read its event name and the
 * two or three fields of its extractor; on the gateway's hot path that tree was most of the
 * allocation per frame. The answers are those of {@link JsonPointers#text} on
 * {@code ObjectMapper.readTree}: a string as is, a number or boolean as the tree would print it,
 * null for a missing value, JSON null or a container; a repeated key keeps its last value, content
 * after the first value is ignored, and malformed JSON throws.
 */
final class PointerReader {
    private final JsonFactory factory;
    private final JsonPointer[] pointers;

    PointerReader(JsonFactory factory, List<JsonPointer> pointers) {
        this.factory = factory;
        this.pointers = pointers.toArray(new JsonPointer[0]);
    }

    int size() {
        return pointers.length;
    }

    /** The value at each pointer, by index; throws IOException when {@code json} is not JSON. */
    String[] read(String json) throws IOException {
        String[] out = new String[pointers.length];
        try (JsonParser p = factory.createParser(json)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new IOException("no JSON value");
            }
            JsonPointer[] active = pointers.clone();
            value(p, t, active, out);
        }
        return out;
    }

    /**
     * The current value ({@code t} its first token): {@code active[i]} is pointer i's rest below
     * this value, or null when pointer i does not go through it.
     */
    private static void value(JsonParser p, JsonToken t, JsonPointer[] active, String[] out) throws IOException {
        boolean deeper = false;
        for (int i = 0; i < active.length; i++) {
            JsonPointer a = active[i];
            if (a == null) {
                continue;
            }
            if (a.matches()) {
                out[i] = scalar(p, t);
                active[i] = null;
            } else {
                deeper = true;
            }
        }
        if (t == JsonToken.START_OBJECT) {
            if (!deeper) {
                p.skipChildren();
                return;
            }
            JsonPointer[] child = new JsonPointer[active.length];
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                boolean any = false;
                for (int i = 0; i < active.length; i++) {
                    JsonPointer a = active[i];
                    if (a != null && a.matchesProperty(name)) {
                        child[i] = a.tail();
                        out[i] = null; // a repeated key: the last one counts, as in a tree
                        any = true;
                    } else {
                        child[i] = null;
                    }
                }
                JsonToken v = p.nextToken();
                if (any) {
                    value(p, v, child, out);
                } else {
                    p.skipChildren();
                }
            }
        } else if (t == JsonToken.START_ARRAY) {
            if (!deeper) {
                p.skipChildren();
                return;
            }
            JsonPointer[] child = new JsonPointer[active.length];
            int index = 0;
            JsonToken v;
            while ((v = p.nextToken()) != JsonToken.END_ARRAY) {
                if (v == null) {
                    throw new IOException("unexpected end of JSON");
                }
                boolean any = false;
                for (int i = 0; i < active.length; i++) {
                    JsonPointer a = active[i];
                    if (a != null && a.getMatchingIndex() == index) {
                        child[i] = a.tail();
                        any = true;
                    } else {
                        child[i] = null;
                    }
                }
                if (any) {
                    value(p, v, child, out);
                } else {
                    p.skipChildren();
                }
                index++;
            }
        }
    }

    /** What JsonPointers.text answers for this value in a tree. */
    private static String scalar(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case VALUE_STRING -> p.getText();
            case VALUE_TRUE -> "true";
            case VALUE_FALSE -> "false";
            case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                case INT -> Integer.toString(p.getIntValue());
                case LONG -> Long.toString(p.getLongValue());
                default -> p.getBigIntegerValue().toString();
            };
            case VALUE_NUMBER_FLOAT -> Double.toString(p.getDoubleValue());
            default -> null; // null, or a container (walked further by the caller)
        };
    }
}
