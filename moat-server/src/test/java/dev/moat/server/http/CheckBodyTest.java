package dev.moat.server.http;

import dev.moat.core.CheckRequest;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The streaming read of a /v1/check body ({@link CheckBody#fast}) answers only what the general read
 * ({@link JsonBody} and {@link Bodies#checkRequest}) answers: the same request for a simple valid
 * body, and for anything else nothing, so that the general read's 400 names the field.
 */
class CheckBodyTest {

    private static CheckRequest general(String json) {
        return Bodies.checkRequest(JsonBody.parse(Buffer.buffer(json)));
    }

    private static CheckRequest fast(String json) {
        return CheckBody.fast(json.getBytes(StandardCharsets.UTF_8));
    }

    /** Whatever the fast read gives, the general read gives too; when the fast read declines, parse() is the general read. */
    private static void agrees(String json) {
        CheckRequest f = fast(json);
        CheckRequest g;
        try {
            g = general(json);
        } catch (ApiException e) {
            assertThat(f).as("the fast read accepted a body the general read refuses: %s", json).isNull();
            assertThatThrownBy(() -> CheckBody.parse(Buffer.buffer(json))).isInstanceOf(ApiException.class)
                    .hasMessage(e.getMessage());
            return;
        }
        if (f != null) {
            assertThat(f).as(json).isEqualTo(g);
        }
        assertThat(CheckBody.parse(Buffer.buffer(json))).as(json).isEqualTo(g);
    }

    @Test
    void theCommonBodiesAreReadWithoutTheTree() {
        String[] bodies = {
                "{\"action\":\"message\",\"ip\":\"192.0.2.7\"}",
                "{\"action\":\"login\",\"ip\":\"203.0.113.7:5123\",\"email\":\"Alice@Example.org\"}",
                "{\"action\":\"media_upload\",\"user\":\"@a:b\",\"cost\":1048576,\"dry_run\":true}",
                "{\"realm\":\"federation\",\"action\":\"invite\",\"server\":\"example.org\",\"appservice\":\"bot\"}",
                "{\"action\":\"message\",\"user\":\"u\",\"user_agent\":\"Mozilla/5.0\",\"endpoint\":\"openAI\",\"model\":\"gpt-4o\"}",
                " {\"action\" : \"login\",\t\"ip\": null,\r\n \"user\": \"u\", \"dry_run\": false}\n",
                "{\"action\":\"login\",\"user\":\"u\",\"cost\":0}",
                "{\"action\":\"login\",\"user\":\"u\",\"cost\":" + Bodies.MAX_COST + ",\"dry_run\":null}",
                "{\"action\":\"" + "a".repeat(Bodies.NAME_CHARS) + "\",\"ip\":\"192.0.2.7\"}",
        };
        for (String b : bodies) {
            assertThat(fast(b)).as(b).isNotNull().isEqualTo(general(b));
        }
    }

    @Test
    void validBodiesOutsideTheCommonCaseAreReadTheGeneralWayWithTheSameAnswer() {
        String[] bodies = {
                "{\"action\":\"login\",\"user\":\"\\u00e9t\\u00e9\"}",            // an escape
                "{\"action\":\"login\",\"user\":\"\u00e9t\u00e9\"}",                // UTF-8 beyond ASCII
                "{\"action\":\"login\",\"ip\":\"192.0.2.7\",\"future_field\":\"x\",\"flag\":false}",   // unknown fields
        };
        for (String b : bodies) {
            assertThat(fast(b)).as(b).isNull();
            assertThat(CheckBody.parse(Buffer.buffer(b))).as(b).isEqualTo(general(b));
        }
    }

    @Test
    void anythingElseIsLeftToTheGeneralReadAndItsNamedErrors() {
        String[] bodies = {
                "", "null", "[]", "\"x\"", "{", "{}", "{\"ip\":\"192.0.2.7\"}",
                "{\"action\":\"\",\"ip\":\"192.0.2.7\"}",
                "{\"action\":1,\"ip\":\"192.0.2.7\"}",
                "{\"action\":\"login\",\"ip\":\"192.0.2.7\"} trailing",
                "{\"action\":\"login\",\"ip\":\"192.0.2.7\"}{}",
                "{\"action\":\"login\",\"action\":\"login\",\"ip\":\"192.0.2.7\"}",
                "{\"action\":\"login\",\"ip\":\"192.0.2.7\",\"cost\":-1}",
                "{\"action\":\"login\",\"ip\":\"192.0.2.7\",\"cost\":1.0}",
                "{\"action\":\"login\",\"ip\":\"192.0.2.7\",\"cost\":1.5}",
                "{\"action\":\"login\",\"ip\":\"192.0.2.7\",\"cost\":1099511627777}",
                "{\"action\":\"login\",\"ip\":\"192.0.2.7\",\"cost\":99999999999999999999999}",
                "{\"action\":\"login\",\"ip\":\"192.0.2.7\",\"cost\":\"1\"}",
                "{\"action\":\"login\",\"ip\":\"192.0.2.7\",\"dry_run\":\"yes\"}",
                "{\"action\":\"login\",\"ip\":\"192.0.2.7\",\"realm\":\"moon\"}",
                "{\"action\":\"login\",\"ip\":\"192.0.2.7\",\"message\":\"hi\"}",
                "{\"action\":\"message\",\"user\":\"u\",\"message\":{\"text\":\"hi\",\"to\":\"v\"}}",
                "{\"action\":\"message\",\"user\":\"u\",\"message\":{\"kind\":\"dm\"}}",
                "{\"action\":\"login\",\"ip\":\"192.0.2.7\",\"extra\":{\"a\":[1,2]}}",
                "{\"action\":\"login\",\"ip\":\"192.0.2.7\",\"extra\":12}",
                "{\"action\":\"login\",\"ip\":\"" + "1".repeat(Bodies.IP_CHARS + 1) + "\"}",
                "{\"action\":\"" + "a".repeat(Bodies.NAME_CHARS + 1) + "\",\"ip\":\"192.0.2.7\"}",
                "{\"action\":\"login\",\"ip\":[\"192.0.2.7\"]}",
                "{\"action\":\"login\",\"ip\":\"192.0.2.7\",\"dry_run\":NaN}",
                "{'action':'login'}",
                "{\"action\":\"login\",}",
                "{\"action\":\"login\" \"ip\":\"192.0.2.7\"}",
                "{\"action\":\"login\",\"ip\":null,\"ip\":\"192.0.2.7\"}",
                "{\"action\":\"login\",\"cost\":01}",
                "{\"action\":\"login\",\"cost\":1e3}",
                "{\"action\":\"login\",\"cost\":" + (Bodies.MAX_COST + 1) + "}",
                "{\"action\":\"login\",\"dry_run\":truex}",
                "{\"action\":\"login\",\"dry_run\":nul}",
                "{\"action\":\"login\",\"ip\":\"192.0.2.7",
                "{\"action\":\"login\",\"ip\":\"tab\there\"}",
                "{\"action\":\"login\"\u000b}",
                "{\"action\":\"login\"}\u0000",
                "{\"action\":\"login\",\"user\":\"u\",\"cost\":-0}",
                "\uFEFF{\"action\":\"login\"}",
        };
        for (String b : bodies) {
            agrees(b);
        }
        assertThat(fast("{\"action\":\"message\",\"user\":\"u\",\"message\":{\"text\":\"hi\"}}")).isNull();
    }

    @Test
    void randomBodiesMadeOfValidAndInvalidPiecesAgree() {
        String[] keys = {"action", "realm", "user", "ip", "server", "appservice", "email", "user_agent", "endpoint",
                "model", "cost", "dry_run", "message", "other"};
        String[] values = {"\"login\"", "\"message\"", "\"client\"", "\"federation\"", "\"192.0.2.7\"", "\"\"", "null",
                "true", "false", "0", "1", "-3", "2.5", "1e3", "{}", "[]", "{\"text\":\"t\"}", "\"\\u0000\"",
                "\"" + "x".repeat(600) + "\"", "\"é\"", "01", "-0", "1.", "9223372036854775808", "nul", "truex",
                "\"\\\"q\\\"\"", "\"a\\/b\"", " \"spaced\" ", "\"" + "y".repeat(Bodies.NAME_CHARS) + "\"", "\"tab\\t\""};
        Random random = new Random(42);
        for (int i = 0; i < 5000; i++) {
            StringBuilder sb = new StringBuilder("{");
            int n = random.nextInt(6);
            List<String> used = new ArrayList<>();
            for (int j = 0; j < n; j++) {
                String k = keys[random.nextInt(keys.length)];
                if (used.contains(k) && random.nextInt(4) != 0) {
                    continue;
                }
                used.add(k);
                if (sb.length() > 1) {
                    sb.append(',');
                }
                sb.append('"').append(k).append("\":").append(values[random.nextInt(values.length)]);
            }
            sb.append('}');
            agrees(sb.toString());
        }
    }
}
