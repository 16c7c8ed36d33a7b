package dev.moat.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moat.core.policy.ConcurrencyConfig;
import dev.moat.core.policy.MoatPolicy;
import dev.moat.core.policy.Presets;
import dev.moat.core.policy.RealmLimits;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Token revocation in both forms and its status; concurrency leases and their refusal. */
class TokenAndConcurrencyEndpointsTest {
    static TestServer s;

    @BeforeAll
    static void start() throws Exception {
        RealmLimits conc = TestServer.limits(Map.of("message", new ConcurrencyConfig(2, 60_000)));
        MoatPolicy p = MoatPolicy.defaults().withRateLimits(
                dev.moat.core.policy.RateLimits.fromPreset("none", conc, null, List.of()));
        s = TestServer.of(TestServer.config(List.of(), p, 64 * 1024));
        assertThat(Presets.NAMES).contains("private_small");
    }

    @AfterAll
    static void stop() {
        s.close();
    }

    @Test
    void aRevokedTokenIdIsRevokedAndOthersAreNot() {
        assertThat(s.post("/v1/tokens/revoke", "{\"jti\":\"tok-1\",\"expires_at\":\"2099-01-01T00:00:00Z\"}").status())
                .isEqualTo(204);
        assertThat(s.post("/v1/tokens/status", "{\"jti\":\"tok-1\"}").json().get("revoked").asBoolean()).isTrue();
        assertThat(s.post("/v1/tokens/status", "{\"jti\":\"tok-2\"}").json().get("revoked").asBoolean()).isFalse();
    }

    @Test
    void revokingAUsersTokensCoversThoseIssuedBefore() {
        assertThat(s.post("/v1/tokens/revoke", "{\"user\":\"u-tok\",\"before\":\"2030-01-01T00:00:00Z\"}").status())
                .isEqualTo(204);
        assertThat(s.post("/v1/tokens/status", "{\"user\":\"u-tok\",\"issued_at\":\"2029-12-31T23:59:59Z\"}").json()
                .get("revoked").asBoolean()).isTrue();
        assertThat(s.post("/v1/tokens/status", "{\"user\":\"u-tok\",\"issued_at\":1893456001}").json()
                .get("revoked").asBoolean()).isFalse();
    }

    @Test
    void badTokenRequestsAre400s() {
        CheckEndpointTest.assertField(s.post("/v1/tokens/revoke", "{}"), "jti", "required");
        CheckEndpointTest.assertField(s.post("/v1/tokens/revoke", "{\"jti\":\"a\"}"), "expires_at", "required");
        CheckEndpointTest.assertField(s.post("/v1/tokens/revoke", "{\"jti\":\"a\",\"expires_at\":\"tomorrow\"}"),
                "expires_at", "RFC 3339");
        CheckEndpointTest.assertField(s.post("/v1/tokens/status", "{\"user\":\"a\"}"), "issued_at", "required");
    }

    @Test
    void leasesAreCappedReleasedAndReleasingTwiceIsFine() {
        JsonNode a = s.post("/v1/concurrency/acquire", "{\"action\":\"message\",\"user\":\"busy\"}").json();
        JsonNode b = s.post("/v1/concurrency/acquire", "{\"action\":\"message\",\"user\":\"busy\"}").json();
        assertThat(a.get("allowed").asBoolean()).isTrue();
        assertThat(a.get("lease").asText()).isNotBlank();
        assertThat(a.get("expires_at").asText()).endsWith("Z");
        assertThat(b.get("allowed").asBoolean()).isTrue();
        JsonNode c = s.post("/v1/concurrency/acquire", "{\"action\":\"message\",\"user\":\"busy\"}").json();
        assertThat(c.get("allowed").asBoolean()).isFalse();
        assertThat(c.get("reason").asText()).isEqualTo("concurrency");
        assertThat(c.get("violation").get("type").asText()).isEqualTo("concurrent");
        String release = "{\"lease\":\"" + a.get("lease").asText() + "\"}";
        assertThat(s.post("/v1/concurrency/release", release).status()).isEqualTo(204);
        assertThat(s.post("/v1/concurrency/release", release).status()).isEqualTo(204);
        assertThat(s.post("/v1/concurrency/release", "{\"lease\":\"no-such-lease\"}").status()).isEqualTo(204);
        assertThat(s.post("/v1/concurrency/acquire", "{\"action\":\"message\",\"user\":\"busy\"}").json()
                .get("allowed").asBoolean()).isTrue();
    }

    @Test
    void badLeaseRequestsAre400s() {
        CheckEndpointTest.assertField(s.post("/v1/concurrency/acquire", "{\"user\":\"x\"}"), "action", "required");
        CheckEndpointTest.assertField(s.post("/v1/concurrency/acquire", "{\"action\":\"message\"}"), "user", "");
        CheckEndpointTest.assertField(s.post("/v1/concurrency/release", "{}"), "lease", "required");
    }
}
