package dev.moat.server.http;

import dev.moat.core.CheckRequest;
import dev.moat.core.policy.Realm;
import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The body of {@code POST /v1/check}, read by a small scanner when it is the common case, without a
 * JSON parser or a tree: a flat object of the known fields, each once, with plain printable ASCII
 * strings (no escapes), {@code true}/{@code false}, a whole-number {@code cost} and nulls, every
 * field valid. Anything else (a {@code message} object, an unknown field, an escape or a non-ASCII
 * byte in a string, a nested value, a field out of bounds or of the wrong type, a duplicate,
 * malformed JSON, trailing bytes) is read again the general way ({@link JsonBody},
 * {@link Bodies#checkRequest}), which names every bad field in its 400. So the fast way only ever
 * answers what the general way would have answered (CheckBodyTest compares the two on thousands of
 * bodies, and the checkBody fuzz target on whatever it finds), and anything unusual costs a second
 * read, which only unusual input pays.
 *
 * <p>Why not Jackson's streaming parser, which this read used before: a parser per request costs
 * about a kilobyte of objects (its context, name table, duplicate detector, buffers) for a body of
 * forty bytes, more than the whole decision allocates. The scanner makes one pass over the bytes it
 * was given (at most {@code server.max_body}), never goes back, and allocates only the strings it
 * returns and one small array to hold them.
 */
final class CheckBody {
    private CheckBody() {
    }

    /** The request, or a 400 naming each bad field. */
    static CheckRequest parse(Buffer body) {
        if (body != null && body.length() > 0) {
            CheckRequest fast = fast(body.getBytes());
            if (fast != null) {
                return fast;
            }
        }
        return Bodies.checkRequest(JsonBody.parse(body));
    }

    /** The known fields, in the order of {@link #FIELDS}; each is a bit of the scanner's "seen" mask. */
    private static final int ACTION = 0;
    private static final int REALM = 1;
    private static final int USER = 2;
    private static final int IP = 3;
    private static final int SERVER = 4;
    private static final int APPSERVICE = 5;
    private static final int EMAIL = 6;
    private static final int USER_AGENT = 7;
    private static final int ENDPOINT = 8;
    private static final int MODEL = 9;
    private static final int DRY_RUN = 10;
    private static final int COST = 11;
    private static final byte[][] FIELDS = ascii("action", "realm", "user", "ip", "server", "appservice", "email",
            "user_agent", "endpoint", "model", "dry_run", "cost");
    /** Each string field's longest value, as {@link Bodies#checkRequest} bounds it. */
    private static final int[] MAX_CHARS = {Bodies.NAME_CHARS, Bodies.NAME_CHARS, Bodies.ID_CHARS, Bodies.IP_CHARS,
            Bodies.ID_CHARS, Bodies.ID_CHARS, Bodies.EMAIL_CHARS, Bodies.USER_AGENT_CHARS, Bodies.NAME_CHARS * 2,
            Bodies.NAME_CHARS * 2};
    /** More digits than this is more than {@link Bodies#MAX_COST} (and than a long). */
    private static final int MAX_COST_DIGITS = Long.toString(Bodies.MAX_COST).length();

    /** The request when the body is the simple valid case, else null (read it the general way). */
    static CheckRequest fast(byte[] b) {
        String[] strings = new String[MODEL + 1];
        boolean dryRun = false;
        long cost = -1;
        int seen = 0;
        int i = skipSpace(b, 0);
        if (i >= b.length || b[i] != '{') {
            return null;
        }
        i = skipSpace(b, i + 1);
        if (i < b.length && b[i] == '}') {
            return null;   // no action: the general way says so
        }
        while (true) {
            // a field name: a known one, plain ASCII, not seen before
            if (i >= b.length || b[i] != '"') {
                return null;
            }
            int field = field(b, i + 1);
            if (field < 0 || (seen & (1 << field)) != 0) {
                return null;
            }
            seen |= 1 << field;
            i = skipSpace(b, i + 2 + FIELDS[field].length);
            if (i >= b.length || b[i] != ':') {
                return null;
            }
            i = skipSpace(b, i + 1);
            if (i >= b.length) {
                return null;
            }
            byte c = b[i];
            if (c == 'n') {
                i = literal(b, i, NULL);   // null is absent, as in JsonBody
            } else if (field <= MODEL) {
                if (c != '"') {
                    return null;
                }
                int close = plainString(b, i + 1, MAX_CHARS[field]);
                if (close < 0) {
                    return null;
                }
                strings[field] = new String(b, i + 1, close - i - 1, StandardCharsets.ISO_8859_1);
                i = close + 1;
            } else if (field == DRY_RUN) {
                dryRun = c == 't';
                i = literal(b, i, dryRun ? TRUE : FALSE);
            } else {   // COST: digits, no sign, no leading zero, no fraction or exponent (checked by what follows)
                int start = i;
                cost = 0;
                while (i < b.length && b[i] >= '0' && b[i] <= '9') {
                    cost = cost * 10 + (b[i] - '0');
                    i++;
                    if (i - start > MAX_COST_DIGITS) {
                        return null;
                    }
                }
                if (i == start || (b[start] == '0' && i - start > 1) || cost > Bodies.MAX_COST) {
                    return null;
                }
            }
            if (i < 0) {
                return null;
            }
            i = skipSpace(b, i);
            if (i >= b.length) {
                return null;
            }
            if (b[i] == '}') {
                break;
            }
            if (b[i] != ',') {
                return null;
            }
            i = skipSpace(b, i + 1);
        }
        if (skipSpace(b, i + 1) != b.length || strings[ACTION] == null) {
            return null;
        }
        Realm r = Realm.CLIENT;
        if (strings[REALM] != null) {
            try {
                r = Realm.fromWire(strings[REALM]);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        CheckRequest.Builder req = CheckRequest.builder(strings[ACTION]).realm(r).user(strings[USER]).ip(strings[IP])
                .server(strings[SERVER]).appservice(strings[APPSERVICE]).email(strings[EMAIL])
                .userAgent(strings[USER_AGENT]).model(strings[ENDPOINT], strings[MODEL]).dryRun(dryRun);
        if (cost >= 0) {
            req.cost(cost);
        }
        return req.build();
    }

    private static final byte[] NULL = "null".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TRUE = "true".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FALSE = "false".getBytes(StandardCharsets.US_ASCII);

    /** Past JSON's whitespace from {@code i}. */
    private static int skipSpace(byte[] b, int i) {
        while (i < b.length && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) {
            i++;
        }
        return i;
    }

    /** The known field whose name, then its closing quote, starts at {@code i}; -1 for any other name. */
    private static int field(byte[] b, int i) {
        for (int f = 0; f < FIELDS.length; f++) {
            byte[] name = FIELDS[f];
            int end = i + name.length;
            if (end < b.length && b[end] == '"' && Arrays.equals(b, i, end, name, 0, name.length)) {
                return f;
            }
        }
        return -1;
    }

    /** Past the literal {@code word} at {@code i}, or -1 when it is not there. */
    private static int literal(byte[] b, int i, byte[] word) {
        int end = i + word.length;
        return end <= b.length && Arrays.equals(b, i, end, word, 0, word.length) ? end : -1;
    }

    /**
     * The closing quote of a string whose text starts at {@code i}, when that text is 1 to {@code max}
     * printable ASCII characters without an escape; -1 otherwise.
     */
    private static int plainString(byte[] b, int i, int max) {
        int limit = Math.min(b.length, i + max + 1);
        for (int j = i; j < limit; j++) {
            byte c = b[j];
            if (c == '"') {
                return j == i ? -1 : j;
            }
            if (c < 0x20 || c > 0x7e || c == '\\') {   // negative: a byte of a multi-byte UTF-8 character
                return -1;
            }
        }
        return -1;
    }

    private static byte[][] ascii(String... words) {
        byte[][] out = new byte[words.length][];
        for (int k = 0; k < words.length; k++) {
            out[k] = words[k].getBytes(StandardCharsets.US_ASCII);
        }
        return out;
    }
}
