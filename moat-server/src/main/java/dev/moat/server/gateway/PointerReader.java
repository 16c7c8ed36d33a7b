package dev.moat.server.gateway;

import com.fasterxml.jackson.core.JsonPointer;
import dev.moat.core.Ascii;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the values at a fixed set of JSON pointers from one document in a single pass over the
 * text, without building a tree or a token stream: only the branches a pointer goes into are
 * walked, everything else is skipped char by char (and so still checked to be JSON) without
 * building a String.
 *
 * <p>Why. The gateway reads a few pointers of every relayed frame; with Jackson's streaming parser
 * the parser's creation and its token-by-token skipping were 11-16% of the event loop's time.
 *
 * <p>The answers are those of {@link JsonPointers#text} on {@code ObjectMapper.readTree}: a string
 * as is (escapes decoded), a number or boolean as the tree would print it (an integer as written,
 * {@code -0} as {@code 0}; a number with a fraction or an exponent as {@code Double.toString} of
 * its double, so {@code 1e2} is {@code 100.0} and {@code 1E400} {@code Infinity}), null for a
 * missing value, JSON null or a container; a repeated key keeps its last value, content after the
 * first value is ignored, and malformed JSON throws IOException.
 *
 * <p>What is JSON is what Jackson's default parser accepts: RFC 8259 without comments, NaN,
 * leading zeros, single quotes, trailing commas or unescaped control characters in strings; lone
 * surrogates are kept as they are; a literal ({@code true}) may not run into a Java identifier
 * character ({@code truex}); a number at the top level must end at whitespace or the end. Jackson's
 * default {@code StreamReadConstraints} hold too: at most 1000 nested containers, numbers of at most
 * 1000 digits, names of at most 50,000 chars and strings read at a pointer of at most 20,000,000.
 *
 * <p>Deliberate differences from Jackson's parser, none of which changes an answer:
 * <ul>
 * <li>A string at the top level is always checked to its end; Jackson's parser left an unread one
 *     unchecked (so {@code "abc} threw only when a pointer read it; readTree always throws).</li>
 * <li>Jackson counts a number's digits one short when a fraction-less or exponent-less float ends
 *     at a buffer boundary (the end of a top-level number, for one); here the count is the same
 *     everywhere, so such a 1001-digit float is refused where Jackson took it.</li>
 * </ul>
 *
 * <p>How. The pointers become a trie of segments at construction. The walk recurses only along the
 * trie (so no deeper than the longest pointer); a value no pointer goes into is skipped by a loop
 * that keeps the kinds of its open containers as bits, so a deep document costs no stack. Every
 * char is looked at a bounded number of times (twice for an escaped string a pointer reads).
 */
final class PointerReader {
    private static final int MAX_DEPTH = 1000;
    private static final int MAX_NUMBER_DIGITS = 1000;
    private static final int MAX_NAME_LENGTH = 50_000;
    private static final int MAX_STRING_LENGTH = 20_000_000;

    private final int size;
    private final Segment root;

    PointerReader(List<JsonPointer> pointers) {
        this.size = pointers.size();
        Builder top = new Builder(null, -1);
        for (int i = 0; i < pointers.size(); i++) {
            Builder b = top;
            for (JsonPointer p = pointers.get(i); !p.matches(); p = p.tail()) {
                b = b.child(p.getMatchingProperty(), p.getMatchingIndex());
            }
            b.ends.add(i);
        }
        this.root = top.build();
    }

    int size() {
        return size;
    }

    /** The value at each pointer, by index; throws IOException when {@code json} is not JSON. */
    String[] read(String json) throws IOException {
        String[] out = new String[size];
        int i = whitespace(json, 0);
        if (i == json.length()) {
            throw new IOException("no JSON value");
        }
        walk(json, i, 0, root, out);
        return out;
    }

    /** One step of the pointers: what ends at this value, and where they go below it. */
    private static final class Segment {
        /** Indexes of the pointers that end at this value. */
        final int[] ends;
        /** Indexes of every pointer through or at this value, cleared when a repeated key replaces it. */
        final int[] under;
        /** Per child: the property it matches in an object, and the index it matches in an array (-1: none). */
        final String[] names;
        final int[] indexes;
        final Segment[] children;

        Segment(int[] ends, int[] under, String[] names, int[] indexes, Segment[] children) {
            this.ends = ends;
            this.under = under;
            this.names = names;
            this.indexes = indexes;
            this.children = children;
        }

        /** The child a key matches; {@code end} is the closing quote's index, {@code length} the key's decoded length. */
        Segment property(String s, int start, int end, int length) {
            boolean plain = length == end - start;
            String decoded = null;
            for (int k = 0; k < names.length; k++) {
                String name = names[k];
                if (name.length() != length) {
                    continue;
                }
                if (plain) {
                    if (s.regionMatches(start, name, 0, length)) {
                        return children[k];
                    }
                } else {
                    if (decoded == null) {
                        decoded = decode(s, start, end);
                    }
                    if (decoded.equals(name)) {
                        return children[k];
                    }
                }
            }
            return null;
        }

        Segment element(int index) {
            for (int k = 0; k < indexes.length; k++) {
                if (indexes[k] == index) {
                    return children[k];
                }
            }
            return null;
        }
    }

    /** A segment while the trie is built. */
    private static final class Builder {
        final String name;
        final int index;
        final List<Integer> ends = new ArrayList<>();
        final List<Builder> children = new ArrayList<>();

        Builder(String name, int index) {
            this.name = name;
            this.index = index;
        }

        Builder child(String name, int index) {
            for (Builder c : children) {
                if (c.name.equals(name)) {
                    return c;
                }
            }
            Builder c = new Builder(name, index);
            children.add(c);
            return c;
        }

        void collect(List<Integer> into) {
            into.addAll(ends);
            for (Builder c : children) {
                c.collect(into);
            }
        }

        Segment build() {
            List<Integer> under = new ArrayList<>();
            collect(under);
            String[] names = new String[children.size()];
            int[] indexes = new int[children.size()];
            Segment[] built = new Segment[children.size()];
            for (int k = 0; k < built.length; k++) {
                names[k] = children.get(k).name;
                indexes[k] = children.get(k).index;
                built[k] = children.get(k).build();
            }
            return new Segment(ints(ends), ints(under), names, indexes, built);
        }

        private static int[] ints(List<Integer> list) {
            return list.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    /**
     * Reads the value starting at {@code i} (a non-whitespace char, or the end), {@code depth} containers deep,
     * that {@code at} describes; returns the index after it.
     */
    private static int walk(String s, int i, int depth, Segment at, String[] out) throws IOException {
        if (i >= s.length()) {
            throw expected("a value", s, i);
        }
        char c = s.charAt(i);
        if (c == '"' && at.ends.length > 0) {
            long span = string(s, i + 1);
            int close = end(span);
            int length = decodedLength(span);
            if (length > MAX_STRING_LENGTH) {
                throw new IOException("a string is longer than " + MAX_STRING_LENGTH + " chars");
            }
            String text = length == close - i - 1 ? s.substring(i + 1, close) : decode(s, i + 1, close);
            for (int p : at.ends) {
                out[p] = text;
            }
            return close + 1;
        }
        if (at.children.length == 0 || (c != '{' && c != '[')) {
            int end = skip(s, i, depth);
            if (at.ends.length > 0) {
                String text = scalar(s, i, end);
                for (int p : at.ends) {
                    out[p] = text;
                }
            }
            return end;
        }
        if (depth >= MAX_DEPTH) {
            throw tooDeep();
        }
        int n = s.length();
        if (c == '{') {
            i = whitespace(s, i + 1);
            if (i < n && s.charAt(i) == '}') {
                return i + 1;
            }
            while (true) {
                if (i >= n || s.charAt(i) != '"') {
                    throw expected("a property name", s, i);
                }
                int start = i + 1;
                long span = string(s, start);
                int close = end(span);
                checkName(decodedLength(span));
                i = colon(s, close + 1);
                Segment child = at.property(s, start, close, decodedLength(span));
                if (child == null) {
                    i = skip(s, i, depth + 1);
                } else {
                    for (int p : child.under) {
                        out[p] = null; // a repeated key: the last one counts, as in a tree
                    }
                    i = walk(s, i, depth + 1, child, out);
                }
                i = whitespace(s, i);
                if (i < n && s.charAt(i) == ',') {
                    i = whitespace(s, i + 1);
                } else if (i < n && s.charAt(i) == '}') {
                    return i + 1;
                } else {
                    throw expected("',' or '}'", s, i);
                }
            }
        }
        i = whitespace(s, i + 1);
        if (i < n && s.charAt(i) == ']') {
            return i + 1;
        }
        for (int index = 0; ; index++) {
            Segment child = at.element(index);
            i = child == null ? skip(s, i, depth + 1) : walk(s, i, depth + 1, child, out);
            i = whitespace(s, i);
            if (i < n && s.charAt(i) == ',') {
                i = whitespace(s, i + 1);
            } else if (i < n && s.charAt(i) == ']') {
                return i + 1;
            } else {
                throw expected("',' or ']'", s, i);
            }
        }
    }

    /**
     * Checks the value starting at {@code i} (a non-whitespace char, or the end), {@code depth}
     * containers deep, and returns the index after it. The open containers' kinds are bits of
     * {@code kinds} (1 for an object), moved to a {@code long[]} only past 64 levels.
     */
    private static int skip(String s, int i, int depth) throws IOException {
        int n = s.length();
        int open = 0;
        long kinds = 0;
        long[] deeper = null;
        while (true) {
            if (i >= n) {
                throw expected("a value", s, i);
            }
            char c = s.charAt(i);
            if (c == '{' || c == '[') {
                if (depth + open >= MAX_DEPTH) {
                    throw tooDeep();
                }
                if (open > 0 && (open & 63) == 0) {
                    if (deeper == null) {
                        deeper = new long[MAX_DEPTH / 64 + 1];
                    }
                    deeper[(open >>> 6) - 1] = kinds;
                    kinds = 0;
                }
                boolean object = c == '{';
                kinds = (kinds << 1) | (object ? 1 : 0);
                open++;
                i = whitespace(s, i + 1);
                if (i >= n || s.charAt(i) != (object ? '}' : ']')) {
                    if (object) {
                        i = name(s, i);
                    }
                    continue; // to the first value inside
                }
                i++; // an empty container: a complete value, closed here
                open--;
                kinds >>>= 1;
                if (open > 0 && (open & 63) == 0) {
                    kinds = deeper[(open >>> 6) - 1];
                }
            } else if (c == '"') {
                i = end(string(s, i + 1)) + 1;
            } else if (c == 't') {
                i = literal(s, i, "true");
            } else if (c == 'f') {
                i = literal(s, i, "false");
            } else if (c == 'n') {
                i = literal(s, i, "null");
            } else if (c == '-' || digit(c)) {
                i = number(s, i);
                if (depth + open == 0) {
                    rootSpace(s, i);
                }
            } else {
                throw expected("a value", s, i);
            }
            // a value ends at i: close containers until one goes on with ','
            while (true) {
                if (open == 0) {
                    return i;
                }
                i = whitespace(s, i);
                boolean object = (kinds & 1) != 0;
                if (i < n && s.charAt(i) == ',') {
                    i = whitespace(s, i + 1);
                    if (object) {
                        i = name(s, i);
                    }
                    break;
                }
                if (i >= n || s.charAt(i) != (object ? '}' : ']')) {
                    throw expected(object ? "',' or '}'" : "',' or ']'", s, i);
                }
                i++;
                open--;
                kinds >>>= 1;
                if (open > 0 && (open & 63) == 0) {
                    kinds = deeper[(open >>> 6) - 1];
                }
            }
        }
    }

    /** Checks a property name and its colon at {@code i}; returns the index of its value. */
    private static int name(String s, int i) throws IOException {
        if (i >= s.length() || s.charAt(i) != '"') {
            throw expected("a property name", s, i);
        }
        long span = string(s, i + 1);
        checkName(decodedLength(span));
        return colon(s, end(span) + 1);
    }

    /** Skips whitespace, a ':' and whitespace from {@code i}; returns the index of the value (or the end). */
    private static int colon(String s, int i) throws IOException {
        i = whitespace(s, i);
        if (i >= s.length() || s.charAt(i) != ':') {
            throw expected("':'", s, i);
        }
        return whitespace(s, i + 1);
    }

    private static void checkName(int length) throws IOException {
        if (length > MAX_NAME_LENGTH) {
            throw new IOException("a property name is longer than " + MAX_NAME_LENGTH + " chars");
        }
    }

    /**
     * Checks the string whose content starts at {@code i} (after the opening quote). Returns its
     * closing quote's index in the low 32 bits and its decoded length in the high 32 bits (see
     * {@link #end} and {@link #decodedLength}).
     */
    private static long string(String s, int i) throws IOException {
        int n = s.length();
        int start = i;
        int escaped = 0; // chars the escapes take beyond the one each decodes to
        while (true) {
            if (i >= n) {
                throw new IOException("unterminated string");
            }
            char c = s.charAt(i);
            if (c == '"') {
                return ((long) (i - start - escaped) << 32) | i;
            }
            if (c == '\\') {
                if (i + 1 >= n) {
                    throw new IOException("unterminated string");
                }
                char e = s.charAt(i + 1);
                if (e == 'u') {
                    for (int k = i + 2; k < i + 6; k++) {
                        if (k >= n || Ascii.hexDigit(s.charAt(k)) < 0) {
                            throw new IOException("a \\u escape needs four hex digits at " + k);
                        }
                    }
                    escaped += 5;
                    i += 6;
                    continue;
                }
                if (e != '"' && e != '\\' && e != '/' && e != 'b' && e != 'f' && e != 'n' && e != 'r' && e != 't') {
                    throw new IOException("invalid escape '\\" + e + "' at " + i);
                }
                escaped += 1;
                i += 2;
                continue;
            }
            if (c < 0x20) {
                throw new IOException("unescaped control character in a string at " + i);
            }
            i++;
        }
    }

    private static int end(long span) {
        return (int) span;
    }

    private static int decodedLength(long span) {
        return (int) (span >>> 32);
    }

    /** The decoded content of a checked string from {@code start} to its closing quote at {@code end}. */
    private static String decode(String s, int start, int end) {
        int slash = start;
        while (slash < end && s.charAt(slash) != '\\') {
            slash++;
        }
        if (slash == end) {
            return s.substring(start, end);
        }
        StringBuilder b = new StringBuilder(end - start);
        b.append(s, start, slash);
        int i = slash;
        while (i < end) {
            char c = s.charAt(i);
            if (c != '\\') {
                b.append(c);
                i++;
                continue;
            }
            char e = s.charAt(i + 1);
            switch (e) {
                case 'b' -> b.append('\b');
                case 'f' -> b.append('\f');
                case 'n' -> b.append('\n');
                case 'r' -> b.append('\r');
                case 't' -> b.append('\t');
                case 'u' -> {
                    b.append((char) (Ascii.hexDigit(s.charAt(i + 2)) << 12 | Ascii.hexDigit(s.charAt(i + 3)) << 8
                            | Ascii.hexDigit(s.charAt(i + 4)) << 4 | Ascii.hexDigit(s.charAt(i + 5))));
                    i += 4;
                }
                default -> b.append(e); // " \ /
            }
            i += 2;
        }
        return b.toString();
    }

    /** Checks {@code word} at {@code i} and that no identifier char runs on from it, as Jackson does; returns the index after it. */
    private static int literal(String s, int i, String word) throws IOException {
        if (!s.startsWith(word, i)) {
            throw new IOException("unrecognized token at " + i);
        }
        int end = i + word.length();
        if (end < s.length()) {
            char c = s.charAt(end);
            if (c >= '0' && c != ']' && c != '}' && Character.isJavaIdentifierPart(c)) {
                throw new IOException("unrecognized token at " + i);
            }
        }
        return end;
    }

    /** Checks the number at {@code i}; returns the index after it. */
    private static int number(String s, int i) throws IOException {
        int n = s.length();
        if (s.charAt(i) == '-') {
            i++;
        }
        int start = i;
        if (i >= n || !digit(s.charAt(i))) {
            throw new IOException("a number needs a digit at " + i);
        }
        if (s.charAt(i) == '0') {
            i++;
            if (i < n && digit(s.charAt(i))) {
                throw new IOException("leading zeros at " + i);
            }
        } else {
            i = digits(s, i);
        }
        int counted = i - start;
        boolean integer = true;
        if (i < n && s.charAt(i) == '.') {
            integer = false;
            int from = i + 1;
            i = digits(s, from);
            if (i == from) {
                throw new IOException("a decimal point needs a digit at " + i);
            }
            counted += i - from;
        }
        if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
            integer = false;
            i++;
            if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
                i++;
            }
            int from = i;
            i = digits(s, from);
            if (i == from) {
                throw new IOException("an exponent needs a digit at " + i);
            }
            counted += i - from;
        }
        if (counted > MAX_NUMBER_DIGITS) {
            throw new IOException((integer ? "an integer" : "a number") + " longer than " + MAX_NUMBER_DIGITS + " digits");
        }
        return i;
    }

    private static boolean digit(char c) {
        return c >= '0' && c <= '9';
    }

    private static int digits(String s, int i) {
        int n = s.length();
        while (i < n && digit(s.charAt(i))) {
            i++;
        }
        return i;
    }

    /** A number at the top level must end at whitespace or the end, as in Jackson. */
    private static void rootSpace(String s, int i) throws IOException {
        if (i < s.length()) {
            char c = s.charAt(i);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                throw new IOException("a top-level number must end at whitespace, at " + i);
            }
        }
    }

    /** The text of the checked non-string scalar from {@code i} to {@code end}, as {@link JsonPointers#text} reads it. */
    private static String scalar(String s, int i, int end) throws IOException {
        char c = s.charAt(i);
        if (c == 't') {
            return "true";
        }
        if (c == 'f') {
            return "false";
        }
        if (c == '-' || digit(c)) {
            for (int k = i; k < end; k++) {
                char d = s.charAt(k);
                if (d == '.' || d == 'e' || d == 'E') {
                    return Double.toString(Double.parseDouble(s.substring(i, end)));
                }
            }
            return end - i == 2 && c == '-' && s.charAt(i + 1) == '0' ? "0" : s.substring(i, end);
        }
        return null; // null, or a container
    }

    private static int whitespace(String s, int i) {
        int n = s.length();
        while (i < n) {
            char c = s.charAt(i);
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                break;
            }
            i++;
        }
        return i;
    }

    private static IOException expected(String what, String s, int i) {
        return new IOException(i >= s.length() ? "unexpected end of JSON, expected " + what
                : "expected " + what + " at " + i);
    }

    private static IOException tooDeep() {
        return new IOException("JSON nested deeper than " + MAX_DEPTH);
    }
}
