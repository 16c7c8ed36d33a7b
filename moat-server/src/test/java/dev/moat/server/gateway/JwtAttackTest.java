package dev.moat.server.gateway;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import io.vertx.core.http.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tokens at the handshake: every supported algorithm with keys from the config, a JWKS file and
 * a JWKS URL; and every attack refused with 401 and an {@code invalid_token} violation on the
 * address, as the API would score it.
 */
class JwtAttackTest extends GatewayHarness {

    private static String config() throws Exception {
        Path jwks = Files.createTempFile("moat-jwks", ".json");
        Files.writeString(jwks, Tokens.jwks());
        jwks.toFile().deleteOnExit();
        return """
                listen: 127.0.0.1:0
                instances: 1
                upstream: ${UPSTREAM}
                jwt:
                  required: true
                  algorithms: [HS256, RS256, ES256, EdDSA]
                  keys:
                    - secret: ${SECRET}
                    - {kid: pem-rsa, public_key: "${RSA_PEM}"}
                  jwks_file: %s
                  issuer: https://id.example.org
                  audience: [chat, other]
                  leeway: 30s
                websocket:
                  format: json
                  ping_interval: 0
                """.formatted(jwks.toString());
    }

    static Stream<Arguments> goodTokens() {
        return Stream.of(
                Arguments.of("HS256 with the configured secret", (Function<String, String>) Tokens::hs256),
                Arguments.of("RS256 with the configured PEM key", (Function<String, String>) u -> Tokens.rs256(Tokens.claims(u).build(), null)),
                Arguments.of("RS256 with the JWKS key by kid", (Function<String, String>) u -> Tokens.rs256(Tokens.claims(u).build(), "rsa-1")),
                Arguments.of("ES256 from the JWKS file", (Function<String, String>) u -> Tokens.es256(Tokens.claims(u).build(), "ec-1")),
                Arguments.of("EdDSA from the JWKS file", (Function<String, String>) u -> Tokens.eddsa(Tokens.claims(u).build(), "ed-1")),
                Arguments.of("expired within the leeway", (Function<String, String>) u -> Tokens.hs256(Tokens.with(u,
                        b -> b.expirationTime(new Date(System.currentTimeMillis() - 5_000))))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goodTokens")
    void accepted(String name, Function<String, String> token) throws Exception {
        start(config());
        try (WsClient c = ws("/ws", as(token.apply("alice"), "203.0.113.1"))) {
            assertThat(c.nextContaining("welcome")).contains("alice");
        }
    }

    static Stream<Arguments> attacks() {
        long now = System.currentTimeMillis();
        return Stream.of(
                Arguments.of("alg none", (Function<String, String>) Tokens::none),
                Arguments.of("alg None with a signature", (Function<String, String>) Tokens::noneWithSignature),
                Arguments.of("HS256 signed with the RSA public key (PEM)", (Function<String, String>) Tokens::hs256WithRsaPublicKey),
                Arguments.of("HS256 signed with the RSA public key (DER)", (Function<String, String>) Tokens::hs256WithRsaPublicKeyDer),
                Arguments.of("expired", (Function<String, String>) u -> Tokens.hs256(Tokens.with(u,
                        b -> b.expirationTime(new Date(now - 120_000))))),
                Arguments.of("not yet valid", (Function<String, String>) u -> Tokens.hs256(Tokens.with(u,
                        b -> b.notBeforeTime(new Date(now + 3_600_000))))),
                Arguments.of("wrong audience", (Function<String, String>) u -> Tokens.hs256(Tokens.with(u, b -> b.audience("billing")))),
                Arguments.of("no audience", (Function<String, String>) u -> Tokens.hs256(Tokens.with(u, b -> b.audience((String) null)))),
                Arguments.of("wrong issuer", (Function<String, String>) u -> Tokens.hs256(Tokens.with(u, b -> b.issuer("https://evil.example")))),
                Arguments.of("no exp", (Function<String, String>) u -> Tokens.hs256(Tokens.with(u, b -> b.expirationTime(null)))),
                Arguments.of("tampered signature", (Function<String, String>) u -> Tokens.tamperedSignature(Tokens.hs256(u))),
                Arguments.of("tampered payload", (Function<String, String>) u -> Tokens.tamperedPayload(Tokens.rs256(
                        Tokens.claims("nobody").build(), null), u)),
                Arguments.of("HS384 outside the allow-list", (Function<String, String>) u -> Tokens.hs(JWSAlgorithm.HS384,
                        Tokens.SECRET.getBytes(StandardCharsets.UTF_8), Tokens.claims(u).build(), null)),
                Arguments.of("HS256 with another secret", (Function<String, String>) u -> Tokens.hs(JWSAlgorithm.HS256,
                        "another-secret-another-secret-another-secret!!".getBytes(StandardCharsets.UTF_8), Tokens.claims(u).build(), null)),
                Arguments.of("garbage", (Function<String, String>) u -> "not.a.jwt"),
                Arguments.of("no user claim", (Function<String, String>) u -> Tokens.hs256(Tokens.with(u, b -> b.subject(null)))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("attacks")
    void refusedWith401AndAnInvalidTokenViolation(String name, Function<String, String> token) throws Exception {
        start(config());
        WsClient.Refused r = refused("/ws", as(token.apply("admin"), "203.0.113.66"));
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.body()).contains("\"reason\":\"invalid_token\"");
        assertThat(moat.history("ip:203.0.113.66", null, 10).scores()).containsEntry("invalid_token", 1.0);
        assertThat(upstream.handshakes.stream().noneMatch(h -> "203.0.113.66".equals(h.get("x-real-ip")))).isTrue();
    }

    @Test
    void aRevokedTokenIdIsRefused() throws Exception {
        start(config());
        JWTClaimsSet claims = Tokens.claims("alice").build();
        String token = Tokens.hs256(claims);
        moat.revokeToken(claims.getJWTID(), claims.getExpirationTime().getTime());
        WsClient.Refused r = refused("/ws", as(token, "203.0.113.67"));
        assertThat(r.status()).isEqualTo(401);
        assertThat(r.body()).contains("revoked");
        assertThat(moat.history("ip:203.0.113.67", null, 10).scores()).containsEntry("invalid_token", 1.0);
        try (WsClient fresh = ws("/ws", as(Tokens.hs256("alice"), "203.0.113.67"))) {
            fresh.nextContaining("welcome");
        }
    }

    @Test
    void tokensOfAUserIssuedBeforeTheRevocationAreRefusedAndLaterOnesPass() throws Exception {
        start(config());
        long now = System.currentTimeMillis();
        String old = Tokens.hs256(Tokens.with("bob", b -> b.issueTime(new Date(now - 60_000))));
        moat.revokeUserTokens("bob", now - 30_000);
        assertThat(refused("/ws", as(old, "203.0.113.68")).body()).contains("revoked");
        try (WsClient fresh = ws("/ws", as(Tokens.hs256("bob"), "203.0.113.68"))) {
            fresh.nextContaining("welcome");
        }
    }

    @Test
    void repeatedBadTokensBanTheAddress() throws Exception {
        start(config(), policy(Map.of(), 3));
        for (int i = 0; i < 2; i++) {
            assertThat(refused("/ws", as(Tokens.none("x"), "203.0.113.69")).status()).isEqualTo(401);
        }
        WsClient.Refused third = refused("/ws", as(Tokens.none("x"), "203.0.113.69"));
        assertThat(third.status()).isEqualTo(403);
        assertThat(third.body()).contains("\"reason\":\"banned\"");
        WsClient.Refused good = refused("/ws", as(Tokens.hs256("alice"), "203.0.113.69"));
        assertThat(good.status()).isEqualTo(403);
        assertThat(moat.banOf("ip:203.0.113.69")).isNotNull();
    }

    @Test
    void keysFromAJwksUrlAreFetchedAndARotatedKeyIsPickedUp() throws Exception {
        AtomicReference<String> served = new AtomicReference<>(new JWKSet(List.of(
                new RSAKey.Builder((RSAPublicKey) Tokens.RSA.getPublic()).keyID("rsa-1").build())).toString());
        HttpServer idp = vertx.createHttpServer().requestHandler(req -> req.response()
                .putHeader("Content-Type", "application/json").end(served.get()));
        idp.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        try {
            start("""
                    listen: 127.0.0.1:0
                    instances: 1
                    upstream: ${UPSTREAM}
                    jwt:
                      required: true
                      algorithms: [RS256, ES256]
                      jwks_url: http://127.0.0.1:%d/.well-known/jwks.json
                      jwks_refresh: 1s
                      jwks_timeout: 2s
                    websocket: {format: json, ping_interval: 0}
                    """.formatted(idp.actualPort()));
            try (WsClient c = ws("/ws", as(Tokens.rs256(Tokens.claims("alice").build(), "rsa-1"), "203.0.113.70"))) {
                c.nextContaining("welcome");
            }
            String rotated = Tokens.es256(Tokens.claims("alice").build(), "ec-2");
            served.set(new JWKSet(List.of(new ECKey.Builder(Curve.P_256, (ECPublicKey) Tokens.EC.getPublic()).keyID("ec-2")
                    .build())).toString());
            // each refused attempt scores invalid_token on its address: use a new one each time
            java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
            eventually(() -> {
                int i = n.incrementAndGet();
                String ip = "10.9." + (i / 250) + "." + (i % 250 + 1);
                return WsClient.attempt(vertx, gateway.port(), "/ws", as(rotated, ip)) instanceof WsClient c && closed(c);
            }, "the rotated key is fetched");
        } finally {
            idp.close();
        }
    }

    private static boolean closed(WsClient c) {
        c.close();
        return true;
    }
}
