package dev.moat.server;

import dev.moat.server.config.ApiKey;
import dev.moat.server.http.ApiException;
import dev.moat.server.http.ApiKeys;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.moat.server.TestServer.ADMIN_KEY;
import static dev.moat.server.TestServer.CLIENT_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** API keys: 401 without or with an unknown key, 403 for a client key on admin endpoints; the key's name is the actor. */
class AuthTest {
    static TestServer s;
    static final String CHECK = "{\"action\":\"login\",\"ip\":\"192.0.2.10\"}";

    @BeforeAll
    static void start() throws Exception {
        s = TestServer.withKeys();
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void noKeyOrAnUnknownKeyIsA401() {
        TestServer.Res r = s.call("POST", "/v1/check", CHECK, null);
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.contentType()).isEqualTo("application/problem+json");
        assertThat(r.header("WWW-Authenticate")).startsWith("Bearer");
        assertThat(s.call("POST", "/v1/check", CHECK, "not-a-key-at-all-xxxxxxx").status()).isEqualTo(401);
        assertThat(s.call("GET", "/v1/bans", null, "wrong").status()).isEqualTo(401);
        TestServer.Res basic = s.call("POST", "/v1/check", CHECK, null);
        assertThat(basic.json().get("detail").asText()).doesNotContain(ADMIN_KEY).doesNotContain(CLIENT_KEY);
    }

    @Test
    void aClientKeyMayCallClientEndpoints() {
        assertThat(s.call("POST", "/v1/check", CHECK, CLIENT_KEY).status()).isEqualTo(200);
        assertThat(s.call("POST", "/v1/violations", "{\"type\":\"spam\",\"user\":\"auth-c\"}", CLIENT_KEY).status())
                .isEqualTo(200);
        assertThat(s.call("POST", "/v1/tokens/status", "{\"jti\":\"t\"}", CLIENT_KEY).status()).isEqualTo(200);
        assertThat(s.call("POST", "/v1/concurrency/release", "{\"lease\":\"x\"}", CLIENT_KEY).status()).isEqualTo(204);
    }

    @Test
    void aClientKeyOnAnAdminEndpointIsA403() {
        for (String[] call : new String[][]{{"GET", "/v1/bans"}, {"POST", "/v1/bans"}, {"DELETE", "/v1/bans/user%3Ax"},
                {"GET", "/v1/violations/user%3Ax"}, {"DELETE", "/v1/violations/user%3Ax"}, {"POST", "/v1/config/reload"},
                {"GET", "/v1/config"}}) {
            TestServer.Res r = s.call(call[0], call[1], call[0].equals("POST") ? "{}" : null, CLIENT_KEY);
            assertThat(r.status()).as(call[0] + " " + call[1]).isEqualTo(403);
            assertThat(r.contentType()).isEqualTo("application/problem+json");
        }
    }

    @Test
    void anAdminKeyMayCallEverything() {
        assertThat(s.call("POST", "/v1/check", CHECK, ADMIN_KEY).status()).isEqualTo(200);
        assertThat(s.call("GET", "/v1/bans", null, ADMIN_KEY).status()).isEqualTo(200);
        assertThat(s.call("GET", "/v1/config", null, ADMIN_KEY).status()).isEqualTo(200);
        assertThat(s.call("POST", "/v1/violations", "{\"type\":\"spam\",\"user\":\"auth-a\"}", ADMIN_KEY).status())
                .isEqualTo(200);
        assertThat(s.call("GET", "/v1/violations/user%3Aauth-a", null, ADMIN_KEY).status()).isEqualTo(200);
    }

    @Test
    void healthMetricsAndTheOpenApiDocumentNeedNoKey() {
        assertThat(s.get("/healthz").status()).isEqualTo(200);
        assertThat(s.get("/metrics").status()).isEqualTo(200);
        assertThat(s.get("/openapi.json").status()).isEqualTo(200);
    }

    @Test
    void theKeysNameIsTheActorOfABan() {
        TestServer.Res r = s.call("POST", "/v1/bans", "{\"subject\":\"user:auth-actor\",\"duration\":\"1h\"}", ADMIN_KEY);
        assertThat(r.status()).isEqualTo(201);
        assertThat(r.json().get("actor").asText()).isEqualTo("ops");
    }

    @Test
    void theConfigShowsKeysMasked() {
        TestServer.Res r = s.call("GET", "/v1/config", null, ADMIN_KEY);
        assertThat(r.raw().body()).doesNotContain(ADMIN_KEY).doesNotContain(CLIENT_KEY);
        assertThat(r.json().get("server").get("api_keys").get(0).get("key").asText()).isEqualTo("****");
        assertThat(r.json().get("server").get("api_keys").get(0).get("name").asText()).isEqualTo("ops");
    }

    @Test
    void keysAreMatchedWholeAndCaseSensitively() {
        ApiKeys keys = ApiKeys.of(List.of(new ApiKey("a", "0123456789abcdef", ApiKey.Role.ADMIN)));
        assertThat(keys.authenticate("Bearer 0123456789abcdef").name()).isEqualTo("a");
        assertThat(keys.authenticate("bearer 0123456789abcdef").name()).isEqualTo("a");
        assertThatThrownBy(() -> keys.authenticate("Bearer 0123456789ABCDEF")).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> keys.authenticate("Bearer 0123456789abcde")).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> keys.authenticate("Bearer 0123456789abcdef0")).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> keys.authenticate("Basic 0123456789abcdef")).isInstanceOf(ApiException.class);
        assertThat(ApiKeys.of(List.of()).authenticate(null).name()).isEqualTo("anonymous");
    }
}
