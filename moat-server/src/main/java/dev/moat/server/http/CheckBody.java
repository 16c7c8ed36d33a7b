package dev.moat.server.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.moat.core.CheckRequest;
import dev.moat.core.policy.Realm;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;

/**
 * The body of {@code POST /v1/check}, read with Jackson's streaming parser when it is the common
 * case, without building a tree: a flat JSON object of strings, booleans, a whole-number
 * {@code cost} and nulls, every field valid. Anything else (a {@code message} object, a nested or
 * unknown non-string value, a field out of bounds or of the wrong type, malformed JSON, trailing
 * tokens) is read again the general way ({@link JsonBody}, {@link Bodies#checkRequest}), which
 * names every bad field in its 400. So the fast way only ever answers what the general way would
 * have answered (CheckBodyTest compares the two), and bad input costs a second read, which only
 * bad input pays.
 *
 * <p>The parser is {@link Json#MAPPER}'s, with its bounds (nesting, string and number length,
 * duplicate keys rejected); the body itself is bounded by {@code server.max_body} before it gets here.
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

    /** The request when the body is the simple valid case, else null (read it the general way). */
    static CheckRequest fast(byte[] bytes) {
        String action = null;
        String realm = null;
        String user = null;
        String ip = null;
        String server = null;
        String appservice = null;
        String email = null;
        String userAgent = null;
        String endpoint = null;
        String model = null;
        boolean dryRun = false;
        long cost = -1;
        try (JsonParser p = Json.MAPPER.getFactory().createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (v == JsonToken.VALUE_NULL) {
                    continue;   // null is absent, as in JsonBody
                }
                switch (name) {
                    case "action" -> action = string(p, v, Bodies.NAME_CHARS);
                    case "realm" -> realm = string(p, v, Bodies.NAME_CHARS);
                    case "user" -> user = string(p, v, Bodies.ID_CHARS);
                    case "ip" -> ip = string(p, v, Bodies.IP_CHARS);
                    case "server" -> server = string(p, v, Bodies.ID_CHARS);
                    case "appservice" -> appservice = string(p, v, Bodies.ID_CHARS);
                    case "email" -> email = string(p, v, Bodies.EMAIL_CHARS);
                    case "user_agent" -> userAgent = string(p, v, Bodies.USER_AGENT_CHARS);
                    case "endpoint" -> endpoint = string(p, v, Bodies.NAME_CHARS * 2);
                    case "model" -> model = string(p, v, Bodies.NAME_CHARS * 2);
                    case "dry_run" -> {
                        if (v != JsonToken.VALUE_TRUE && v != JsonToken.VALUE_FALSE) {
                            return null;
                        }
                        dryRun = v == JsonToken.VALUE_TRUE;
                    }
                    case "cost" -> {
                        if (v != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
                            return null;
                        }
                        cost = p.getLongValue();
                        if (cost < 0 || cost > Bodies.MAX_COST) {
                            return null;
                        }
                    }
                    case "message" -> {
                        return null;   // an object with its own rules (or a mistake): the general way
                    }
                    default -> {
                        // unknown fields are ignored; a string is still read whole, so that the
                        // parser's bounds apply to it as they do in the general way
                        if (v == JsonToken.VALUE_STRING) {
                            p.getText();
                        } else if (v != JsonToken.VALUE_TRUE && v != JsonToken.VALUE_FALSE) {
                            return null;
                        }
                    }
                }
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                return null;
            }
        } catch (IOException | RuntimeException e) {
            return null;   // malformed, hostile or out of bounds: the general way says why, naming the field
        }
        if (action == null) {
            return null;
        }
        Realm r = Realm.CLIENT;
        if (realm != null) {
            try {
                r = Realm.fromWire(realm);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        CheckRequest.Builder b = CheckRequest.builder(action).realm(r).user(user).ip(ip).server(server)
                .appservice(appservice).email(email).userAgent(userAgent).model(endpoint, model).dryRun(dryRun);
        if (cost >= 0) {
            b.cost(cost);
        }
        return b.build();
    }

    /** Thrown, without a stack trace, when a known field is not simply valid: read the body the general way. */
    private static final RuntimeException GENERAL_WAY = new RuntimeException("read the general way", null, false, false) {
    };

    /** A known string field's value, when it is a string of 1 to {@code max} characters. */
    private static String string(JsonParser p, JsonToken v, int max) throws IOException {
        if (v != JsonToken.VALUE_STRING) {
            throw GENERAL_WAY;
        }
        String s = p.getText();
        if (s.isEmpty() || s.length() > max) {
            throw GENERAL_WAY;
        }
        return s;
    }
}
