package dev.moat.server.gateway;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonToken;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * The hand-written reader against Jackson on random documents: the same answers as
 * {@link JsonPointers#text} on a tree, and a throw exactly when Jackson's parser refuses the text.
 */
class PointerReaderPropertyTest {
    private static final String[] KEYS = {"type", "text", "to", "data", "a", "0", "1", "e/f", "m~n", "", "é", "\uD83D\uDE00"};
    private static final String[] SEGMENTS = {"type", "text", "to", "data", "a", "0", "1", "2", "e~1f", "m~0n", "", "é",
            "\uD83D\uDE00", "01", "-"};

    @Test
    void answersAsTheTreeOnRandomDocuments() throws Exception {
        Random random = new Random(20240611L);
        for (int round = 0; round < 5000; round++) {
            String doc = document(random);
            List<JsonPointer> pointers = pointers(random);
            String[] got = new PointerReader(pointers).read(doc);
            var tree = Refusals.JSON.readTree(doc);
            for (int k = 0; k < pointers.size(); k++) {
                assertThat(got[k]).as("%s at '%s'", doc, pointers.get(k)).isEqualTo(JsonPointers.text(tree, pointers.get(k)));
            }
        }
    }

    @Test
    void throwsExactlyWhenJacksonDoesOnCorruptedDocuments() throws Exception {
        Random random = new Random(7L);
        String noise = "{}[],:\"\\ \n\t0123456789.eE+-tfnrulasxX/\u0001\u00e9\uD800\uDC00";
        int refused = 0;
        for (int round = 0; round < 20000; round++) {
            StringBuilder b = new StringBuilder(document(random));
            int edits = 1 + random.nextInt(3);
            for (int e = 0; e < edits && b.length() > 0; e++) {
                int at = random.nextInt(b.length() + 1);
                char c = noise.charAt(random.nextInt(noise.length()));
                switch (random.nextInt(4)) {
                    case 0 -> b.setLength(at);
                    case 1 -> b.insert(at, c);
                    case 2 -> b.deleteCharAt(Math.min(at, b.length() - 1));
                    default -> b.setCharAt(Math.min(at, b.length() - 1), c);
                }
            }
            String doc = b.toString();
            List<JsonPointer> pointers = pointers(random);
            refused += compare(doc, pointers) ? 0 : 1;
        }
        assertThat(refused).as("corruptions refused").isGreaterThan(5000);
    }

    @Test
    void charsAfterATopLevelScalarAsJackson() throws Exception {
        List<JsonPointer> root = List.of(JsonPointers.validate(""));
        for (int c = 0; c < 0x10000; c++) {
            for (String head : List.of("true", "null", "12", "1.5", "[1")) {
                compare(head + (char) c, root);
            }
        }
    }

    @Test
    void limitsAsJacksonsDefaults() throws Exception {
        List<JsonPointer> ps = List.of(JsonPointers.validate("/0"), JsonPointers.validate("/x"));
        for (String number : List.of("1".repeat(1000), "1".repeat(1001), "-" + "1".repeat(1000), "-" + "1".repeat(1001),
                "1".repeat(500) + "." + "1".repeat(500), "1".repeat(500) + "." + "1".repeat(501),
                "1".repeat(499) + "." + "1".repeat(499) + "e-1", "1".repeat(499) + "." + "1".repeat(499) + "e-12",
                "1".repeat(999) + "e1", "1".repeat(1000) + "e1", "1".repeat(1000) + ".0")) {
            compare("[" + number + "]", ps);
            compare("[" + number + " ]", List.of());
            compare(number + " ", List.of(JsonPointers.validate("")));
        }
        for (String name : List.of("a".repeat(50_000), "a".repeat(50_001), "a".repeat(49_998) + "\\n\\n", "a".repeat(49_999) + "\\n\\n")) {
            compare("{\"" + name + "\":1}", ps);
            compare("[{\"" + name + "\":1}]", ps);
        }
    }

    @Test
    void deepDocumentsAreBoundedNotOverflowed() throws Exception {
        List<JsonPointer> ps = List.of(JsonPointers.validate("/0/0/0"), JsonPointers.validate("/a/a"), JsonPointers.validate("/x"));
        for (int depth : new int[] {64, 65, 128, 129, 999, 1000, 1001, 100_000}) {
            compare("[".repeat(depth) + "]".repeat(depth), ps);
            compare("{\"a\":".repeat(depth - 1) + "{}" + "}".repeat(depth - 1), ps);
            compare("[".repeat(depth), ps);
        }
        PointerReader reader = new PointerReader(ps);
        assertThatThrownBy(() -> reader.read("[".repeat(1_000_000))).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> reader.read("{\"a\":".repeat(1_000_000))).isInstanceOf(IOException.class);
        // mixed kinds past the 64 levels kept in one long, closed right and wrong
        Random random = new Random(3L);
        for (int round = 0; round < 300; round++) {
            int depth = 1 + random.nextInt(400);
            StringBuilder open = new StringBuilder();
            StringBuilder close = new StringBuilder();
            for (int d = 0; d < depth; d++) {
                boolean object = random.nextBoolean();
                open.append(object ? "{\"a\":" : "[");
                close.insert(0, object ? '}' : ']');
            }
            String doc = open + "1" + close;
            compare(doc, ps);
            int at = open.length() + 1 + random.nextInt(close.length());
            char c = doc.charAt(at);
            compare(doc.substring(0, at) + (c == '}' ? ']' : '}') + doc.substring(at + 1), ps);
        }
    }

    @Test
    void hugeStringsAreReadAndSkipped() throws Exception {
        List<JsonPointer> ps = List.of(JsonPointers.validate("/text"));
        String big = "x\\n\\u00e9\uD83D\uDE00".repeat(500_000);
        String doc = "{\"skipped\":\"" + big + "\",\"text\":\"" + big + "\"}";
        String[] got = new PointerReader(ps).read(doc);
        assertThat(got[0]).isEqualTo(Refusals.JSON.readTree(doc).get("text").asText());
        compare(doc, ps);
        String limit = "{\"text\":\"" + "a".repeat(20_000_000) + "\"}";
        assertThat(new PointerReader(ps).read(limit)[0]).hasSize(20_000_000);
        compare("{\"text\":\"" + "a".repeat(20_000_001) + "\"}", ps);
        compare("{\"other\":\"" + "a".repeat(20_000_001) + "\"}", ps);
    }

    /** Compares the reader with the oracle on {@code doc}; true when both accepted it. */
    private static boolean compare(String doc, List<JsonPointer> pointers) throws Exception {
        String[] expected;
        try {
            expected = oracle(doc, pointers);
        } catch (IOException refused) {
            try {
                new PointerReader(pointers).read(doc);
            } catch (IOException also) {
                return false;
            }
            fail("accepted what Jackson refuses (%s): %s", refused.getMessage(), shorten(doc));
            return false;
        }
        String[] got;
        try {
            got = new PointerReader(pointers).read(doc);
        } catch (IOException e) {
            fail("refused (%s) what Jackson accepts: %s", e.getMessage(), shorten(doc));
            return false;
        }
        assertThat(got).as(shorten(doc)).containsExactly(expected);
        return true;
    }

    private static String shorten(String doc) {
        return doc.length() > 300 ? doc.substring(0, 300) + "... (" + doc.length() + " chars)" : doc;
    }

    // ---- the oracle: the reader as it was, on Jackson's streaming parser ----

    /**
     * The former Jackson-based reader, except that a top-level string is read to its end (the
     * parser left an unread one unchecked; readTree checks it).
     */
    private static String[] oracle(String json, List<JsonPointer> pointers) throws IOException {
        String[] out = new String[pointers.size()];
        try (JsonParser p = Refusals.JSON.getFactory().createParser(json)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                throw new IOException("no JSON value");
            }
            if (t == JsonToken.VALUE_STRING) {
                p.getText();
            }
            value(p, t, pointers.toArray(new JsonPointer[0]), out);
        }
        return out;
    }

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
        if ((t != JsonToken.START_OBJECT && t != JsonToken.START_ARRAY) || !deeper) {
            p.skipChildren();
            return;
        }
        JsonPointer[] child = new JsonPointer[active.length];
        int index = 0;
        while (true) {
            JsonToken v = p.nextToken();
            if (v == JsonToken.END_OBJECT || v == JsonToken.END_ARRAY) {
                return;
            }
            if (v == null) {
                throw new IOException("unexpected end of JSON");
            }
            String name = v == JsonToken.FIELD_NAME ? p.currentName() : null;
            if (name != null) {
                v = p.nextToken();
            }
            boolean any = false;
            for (int i = 0; i < active.length; i++) {
                JsonPointer a = active[i];
                boolean goes = a != null && (name != null ? a.matchesProperty(name) : a.getMatchingIndex() == index);
                child[i] = goes ? a.tail() : null;
                if (goes) {
                    out[i] = null;
                    any = true;
                }
            }
            if (any) {
                value(p, v, child.clone(), out);
            } else {
                p.skipChildren();
            }
            index++;
        }
    }

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
            default -> null;
        };
    }

    // ---- random documents and pointers ----

    private static List<JsonPointer> pointers(Random random) {
        List<JsonPointer> out = new ArrayList<>();
        int count = 1 + random.nextInt(6);
        for (int k = 0; k < count; k++) {
            StringBuilder b = new StringBuilder();
            int depth = random.nextInt(10) == 0 ? 0 : 1 + random.nextInt(3);
            for (int d = 0; d < depth; d++) {
                b.append('/').append(SEGMENTS[random.nextInt(SEGMENTS.length)]);
            }
            out.add(JsonPointers.validate(b.toString()));
        }
        return out;
    }

    private static String document(Random random) {
        StringBuilder b = new StringBuilder();
        space(random, b);
        value(random, b, 0);
        space(random, b);
        if (random.nextInt(20) == 0) {
            b.append(random.nextBoolean() ? " trailing" : " ]");
        }
        return b.toString();
    }

    private static void value(Random random, StringBuilder b, int depth) {
        int kind = random.nextInt(depth > 4 ? 5 : 8);
        switch (kind) {
            case 0, 1 -> string(random, b, null);
            case 2 -> number(random, b);
            case 3 -> b.append(random.nextBoolean() ? "true" : "false");
            case 4 -> b.append("null");
            case 5, 6 -> {
                b.append('{');
                int n = random.nextInt(5);
                for (int k = 0; k < n; k++) {
                    if (k > 0) {
                        b.append(',');
                    }
                    space(random, b);
                    string(random, b, KEYS[random.nextInt(KEYS.length)]);
                    space(random, b);
                    b.append(':');
                    space(random, b);
                    value(random, b, depth + 1);
                    space(random, b);
                }
                b.append('}');
            }
            default -> {
                b.append('[');
                int n = random.nextInt(5);
                for (int k = 0; k < n; k++) {
                    if (k > 0) {
                        b.append(',');
                    }
                    space(random, b);
                    value(random, b, depth + 1);
                    space(random, b);
                }
                b.append(']');
            }
        }
    }

    /** A JSON string of {@code content} (random when null), with random escapes. */
    private static void string(Random random, StringBuilder b, String content) {
        b.append('"');
        if (content == null) {
            StringBuilder c = new StringBuilder();
            int n = random.nextInt(12);
            String pool = "abc xyz/\\\"\b\f\n\r\t\u0001\u001f\u007f\u00e9\u4e2d\u2028\uD800\uDC00\uD83D\uDE00\uFFFF";
            for (int k = 0; k < n; k++) {
                c.append(pool.charAt(random.nextInt(pool.length())));
            }
            content = c.toString();
        }
        for (int k = 0; k < content.length(); k++) {
            char c = content.charAt(k);
            int how = random.nextInt(4);
            if (c == '"' || c == '\\') {
                b.append('\\').append(how == 0 ? String.format("u%04x", (int) c) : String.valueOf(c));
            } else if (c < 0x20 || how == 0) {
                switch (c) {
                    case '\b' -> b.append(how < 2 ? "\\b" : "\\u0008");
                    case '\f' -> b.append(how < 2 ? "\\f" : "\\u000C");
                    case '\n' -> b.append(how < 2 ? "\\n" : "\\u000a");
                    case '\r' -> b.append(how < 2 ? "\\r" : "\\u000D");
                    case '\t' -> b.append(how < 2 ? "\\t" : "\\u0009");
                    case '/' -> b.append(how < 2 ? "\\/" : "/");
                    default -> b.append(String.format(random.nextBoolean() ? "\\u%04x" : "\\u%04X", (int) c));
                }
            } else {
                b.append(c);
            }
        }
        b.append('"');
    }

    private static void number(Random random, StringBuilder b) {
        switch (random.nextInt(12)) {
            case 0 -> b.append(random.nextBoolean() ? "0" : "-0");
            case 1 -> b.append(random.nextInt());
            case 2 -> b.append(random.nextLong());
            case 3 -> b.append(random.nextBoolean() ? "-" : "").append(digits(random, 1 + random.nextInt(40)));
            case 4 -> b.append(random.nextDouble() * Math.pow(10, random.nextInt(40) - 20));
            case 5 -> b.append(random.nextBoolean() ? "1E400" : "-1e-400");
            case 6 -> b.append(random.nextBoolean() ? "2147483648" : "-9223372036854775809");
            case 7 -> b.append(random.nextBoolean() ? "1.0" : "-0.0");
            default -> {
                if (random.nextBoolean()) {
                    b.append('-');
                }
                b.append(random.nextInt(4) == 0 ? "0" : digits(random, 1 + random.nextInt(25)));
                if (random.nextBoolean()) {
                    b.append('.').append(digits(random, 1 + random.nextInt(20)).replaceFirst("^", String.valueOf(random.nextInt(10))));
                }
                if (random.nextBoolean()) {
                    b.append(random.nextBoolean() ? 'e' : 'E');
                    b.append(switch (random.nextInt(3)) { case 0 -> "+"; case 1 -> "-"; default -> ""; });
                    b.append(random.nextInt(3) == 0 ? "0" + random.nextInt(10) : String.valueOf(random.nextInt(400)));
                }
            }
        }
    }

    private static String digits(Random random, int n) {
        StringBuilder b = new StringBuilder().append((char) ('1' + random.nextInt(9)));
        for (int k = 1; k < n; k++) {
            b.append((char) ('0' + random.nextInt(10)));
        }
        return b.toString();
    }

    private static void space(Random random, StringBuilder b) {
        int n = random.nextInt(4) == 0 ? random.nextInt(3) : 0;
        for (int k = 0; k < n; k++) {
            b.append(" \n\t\r".charAt(random.nextInt(4)));
        }
    }
}
