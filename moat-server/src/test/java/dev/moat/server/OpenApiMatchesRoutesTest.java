package dev.moat.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moat.server.http.ApiRouter;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** /openapi.json documents exactly the routes the router serves, method by method. */
class OpenApiMatchesRoutesTest {
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.open();
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void theDocumentAndTheRouterAgree() throws Exception {
        JsonNode doc = s.get("/openapi.json").json();
        assertThat(doc.get("openapi").asText()).startsWith("3.1");
        Set<String> documented = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> p = doc.get("paths").fields(); p.hasNext(); ) {
            Map.Entry<String, JsonNode> path = p.next();
            for (Iterator<String> m = path.getValue().fieldNames(); m.hasNext(); ) {
                documented.add(m.next().toUpperCase(Locale.ROOT) + " " + path.getKey());
            }
        }
        Set<String> routed = new TreeSet<>();
        Vertx vertx = Vertx.vertx();
        try {
            ApiRouter api = routerOf(s.server);
            Router router = api.router(vertx);
            for (Route r : router.getRoutes()) {
                if (r.getPath() == null) {
                    continue;
                }
                for (HttpMethod m : r.methods()) {
                    routed.add(m.name() + " " + r.getPath().replaceAll(":([a-z_]+)", "{$1}"));
                }
            }
        } finally {
            vertx.close();
        }
        assertThat(routed).hasSize(17);
        assertThat(documented).isEqualTo(routed);
    }

    private static ApiRouter routerOf(MoatServer server) {
        return server.api();
    }
}
