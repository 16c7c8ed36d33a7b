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

/**
 * /openapi.json documents exactly the routes the router serves, method by method: every route of a
 * server with the benchmarking endpoint on, and all but that one of a default server.
 */
class OpenApiMatchesRoutesTest {
    static TestServer s;
    static TestServer withNoop;

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.open();
        withNoop = TestServer.of(NoopEndpointTest.config(java.util.List.of(), true));
    }

    @AfterAll
    static void stop() {
        s.close();
        withNoop.close();
    }

    @Test
    void theDocumentAndTheRouterAgree() throws Exception {
        Set<String> documented = documented(s);
        assertThat(documented(withNoop)).isEqualTo(documented);
        Set<String> routed = routed(withNoop);
        assertThat(routed).hasSize(18);
        assertThat(documented).isEqualTo(routed);
    }

    @Test
    void aDefaultServerRoutesEverythingDocumentedButTheNoopEndpoint() throws Exception {
        Set<String> expected = new TreeSet<>(documented(s));
        assertThat(expected.remove("POST /v1/noop")).isTrue();
        Set<String> routed = routed(s);
        assertThat(routed).hasSize(17);
        assertThat(routed).isEqualTo(expected);
    }

    private static Set<String> documented(TestServer server) {
        JsonNode doc = server.get("/openapi.json").json();
        assertThat(doc.get("openapi").asText()).startsWith("3.1");
        Set<String> documented = new TreeSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> p = doc.get("paths").fields(); p.hasNext(); ) {
            Map.Entry<String, JsonNode> path = p.next();
            for (Iterator<String> m = path.getValue().fieldNames(); m.hasNext(); ) {
                documented.add(m.next().toUpperCase(Locale.ROOT) + " " + path.getKey());
            }
        }
        return documented;
    }

    private static Set<String> routed(TestServer server) {
        Set<String> routed = new TreeSet<>();
        Vertx vertx = Vertx.vertx();
        try {
            ApiRouter api = routerOf(server.server);
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
        return routed;
    }

    private static ApiRouter routerOf(MoatServer server) {
        return server.api();
    }
}
