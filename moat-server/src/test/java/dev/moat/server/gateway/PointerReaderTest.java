package dev.moat.server.gateway;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The streaming reader answers what {@link JsonPointers#text} answers on a full tree. */
class PointerReaderTest {
    private static final List<String> POINTERS = List.of("/type", "/text", "/data/text", "/data/to", "/a/0", "/a/1/x",
            "", "/0", "/n", "/f", "/b", "/big", "/z", "/data", "/e~1f", "/m~0n");

    private static void same(String json) throws Exception {
        List<JsonPointer> ps = POINTERS.stream().map(JsonPointers::validate).toList();
        String[] got = new PointerReader(ps).read(json);
        JsonNode tree = Refusals.JSON.readTree(json);
        for (int i = 0; i < ps.size(); i++) {
            assertThat(got[i]).as(json + " at '" + POINTERS.get(i) + "'").isEqualTo(JsonPointers.text(tree, ps.get(i)));
        }
    }

    @Test
    void answersAsTheTreeDoes() throws Exception {
        same("{\"type\":\"say\",\"text\":\"hi\",\"room\":\"r\"}");
        same("{\"text\":\"before\",\"type\":\"say\",\"data\":{\"text\":\"in\",\"to\":\"bob\",\"x\":[1,{\"y\":2}]}}");
        same("{\"a\":[\"zero\",{\"x\":\"deep\"},3],\"n\":12,\"f\":1.50,\"b\":true,\"z\":null,\"big\":123456789012345678901234}");
        same("{\"n\":-0,\"f\":1e2,\"b\":false,\"big\":9000000000}");
        same("{\"text\":\"first\",\"text\":\"last\",\"data\":{\"text\":\"x\"},\"data\":7}");
        same("{\"data\":7,\"data\":{\"text\":\"again\"}}");
        same("{\"0\":\"prop\",\"e/f\":\"slash\",\"m~n\":\"tilde\",\"text\":{\"nested\":1},\"type\":[1]}");
        same("[\"first\",{\"type\":\"x\"}]");
        same("{\"type\":\"say\"} trailing");
        same("{\"text\":\"\\u00e9\\n\\\"q\\\"\",\"a\":[]}");
    }

    @Test
    void malformedJsonThrowsAsTheTreeDoes() {
        PointerReader r = new PointerReader(List.of(JsonPointers.validate("/type")));
        for (String bad : List.of("{\"type\":", "{\"type\":\"say\",", "{\"other\":[1,2", "{type:1}", "[1,]x")) {
            assertThatThrownBy(() -> r.read(bad)).as(bad).isInstanceOf(java.io.IOException.class);
            assertThatThrownBy(() -> Refusals.JSON.readTree(bad)).as(bad).isInstanceOf(java.io.IOException.class);
        }
    }
}
