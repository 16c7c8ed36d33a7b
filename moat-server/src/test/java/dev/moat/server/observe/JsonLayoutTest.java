package dev.moat.server.observe;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.slf4j.event.KeyValuePair;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Every log line is one JSON object, whatever the message and key-values contain. */
class JsonLayoutTest {

    static JsonNode layout(String message, List<KeyValuePair> kvs, Throwable t) throws Exception {
        LoggerContext ctx = new LoggerContext();
        LoggingEvent e = new LoggingEvent("x", ctx.getLogger("moat.audit"), Level.WARN, message, t, null);
        e.setKeyValuePairs(kvs);
        JsonLayout layout = new JsonLayout();
        layout.setContext(ctx);
        layout.start();
        String line = layout.doLayout(e);
        assertThat(line).endsWith("}\n");
        assertThat(line.indexOf('\n')).isEqualTo(line.length() - 1);
        return new ObjectMapper().readTree(line);
    }

    @Test
    void keyValuesAreTopLevelFieldsWithTheirJsonTypes() throws Exception {
        JsonNode j = layout("[BAN] user:x for 2h (logins)", List.of(new KeyValuePair("event", "ban"),
                new KeyValuePair("subject", "user:x"), new KeyValuePair("duration_ms", 7_200_000L),
                new KeyValuePair("score", 20.0), new KeyValuePair("soft", false)), null);
        assertThat(j.get("level").asText()).isEqualTo("WARN");
        assertThat(j.get("logger").asText()).isEqualTo("moat.audit");
        assertThat(j.get("event").asText()).isEqualTo("ban");
        assertThat(j.get("duration_ms").isIntegralNumber()).isTrue();
        assertThat(j.get("duration_ms").asLong()).isEqualTo(7_200_000L);
        assertThat(j.get("score").asLong()).isEqualTo(20);
        assertThat(j.get("soft").isBoolean()).isTrue();
        assertThat(j.get("msg").asText()).isEqualTo("[BAN] user:x for 2h (logins)");
        assertThat(j.get("ts").asText()).endsWith("Z");
    }

    @Test
    void hostileTextStaysInsideItsString() throws Exception {
        String evil = "a\"b\\c\nd\re\tf\u0000g\u2028h";
        JsonNode j = layout(evil, List.of(new KeyValuePair("user", evil)), new IllegalStateException("boom\n\"x\""));
        assertThat(j.get("msg").asText()).isEqualTo(evil);
        assertThat(j.get("user").asText()).isEqualTo(evil);
        assertThat(j.get("error").asText()).contains("IllegalStateException").contains("boom");
    }
}
