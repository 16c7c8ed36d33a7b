package dev.moat.server.reliability;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.moat.core.Clock;
import dev.moat.core.ManualClock;
import dev.moat.server.gateway.GatewayConfig;
import dev.moat.server.gateway.GatewaySettings;

import java.lang.reflect.Constructor;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz target for the gateway's JWT handling ({@code TokenVerifier.verifyNow}), configured with
 * one key of every kind it supports (an HS256 secret, RSA, EC P-256 and Ed25519 public keys), an
 * issuer, an audience and a leeway, on a manual clock.
 *
 * <p>Input, as text: the first line picks how the token is made, the next lines are its parts.
 * <ul>
 *   <li>{@code S} / {@code P} / {@code D}: line 2 is the header JSON, line 3 the claims JSON,
 *       both taken byte for byte; the token is signed with the HS256 secret / the RSA private key
 *       (RS256) / the Ed25519 private key, whatever the header claims its algorithm is.
 *   <li>{@code F}: header and claims as above, line 4 the signature bytes: a forgery.
 *   <li>anything else: the rest of the input is the token as sent.
 * </ul>
 * The verifier must return a result, never throw. A token it accepts must have been signed by
 * this test with the key its header names (nobody else holds a private key), carry
 * {@code exp} in the future (within the leeway), no {@code nbf}/{@code iat} in the future, the
 * issuer, the audience and a user of 1 to 512 characters.
 *
 * <p>Seeds: {@code src/test/resources/dev/moat/server/reliability/JwtFuzzTestInputs/verify/}.
 */
class JwtFuzzTest {
    static final String SECRET = "fuzz-secret-for-hs256-0123456789abcdef";
    static final String ISSUER = "https://id.example.org";
    static final String AUDIENCE = "chat";
    static final long LEEWAY_MILLIS = 30_000;
    /** 2026-01-01T00:00:00Z: seeds carry exp/iat around 1767225600. */
    static final ManualClock CLOCK = new ManualClock();

    private static final KeyPair RSA = generate("RSA", null);
    private static final KeyPair EC = generate("EC", new ECGenParameterSpec("secp256r1"));
    private static final KeyPair ED = generate("Ed25519", null);
    private static final Object VERIFIER = verifier();
    private static final Method VERIFY_NOW = Internals.method(VERIFIER.getClass(), "verifyNow", String.class);

    private static KeyPair generate(String alg, java.security.spec.AlgorithmParameterSpec spec) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(alg);
            if (spec != null) {
                g.initialize(spec);
            } else if (alg.equals("RSA")) {
                g.initialize(2048);
            }
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String pem(KeyPair k) {
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(k.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n";
    }

    private static Object verifier() {
        try {
            GatewaySettings s = GatewayConfig.fromMap(Map.of(
                    "upstream", "http://127.0.0.1:9",
                    "jwt", Map.of(
                            "required", true,
                            "algorithms", List.of("HS256", "RS256", "ES256", "EdDSA"),
                            "keys", List.of(
                                    Map.of("secret", SECRET),
                                    Map.of("kid", "rsa-1", "public_key", pem(RSA)),
                                    Map.of("kid", "ec-1", "public_key", pem(EC)),
                                    Map.of("kid", "ed-1", "public_key", pem(ED))),
                            "issuer", ISSUER,
                            "audience", List.of(AUDIENCE, "other"),
                            "leeway", "30s")), Map.of());
            Constructor<?> c = Internals.constructor("dev.moat.server.gateway.TokenVerifier",
                    io.vertx.core.Vertx.class, GatewaySettings.Jwt.class, Clock.class);
            // no JWKS URL or file: the verifier never touches Vert.x
            return Internals.create(c, null, s.jwt(), CLOCK);
        } catch (Exception e) {
            throw new IllegalStateException("the fuzz target's own gateway settings must load", e);
        }
    }

    static String b64(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    static String b64(String s) {
        return b64(s.getBytes(StandardCharsets.UTF_8));
    }

    static byte[] sign(char how, String signingInput) throws Exception {
        byte[] in = signingInput.getBytes(StandardCharsets.US_ASCII);
        switch (how) {
            case 'S' -> {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
                return mac.doFinal(in);
            }
            case 'P' -> {
                Signature s = Signature.getInstance("SHA256withRSA");
                s.initSign(RSA.getPrivate());
                s.update(in);
                return s.sign();
            }
            default -> {
                Signature s = Signature.getInstance("Ed25519");
                s.initSign(ED.getPrivate());
                s.update(in);
                return s.sign();
            }
        }
    }

    @FuzzTest(maxDuration = "2m")
    void verify(byte[] data) throws Exception {
        String text = new String(data, StandardCharsets.UTF_8);
        String[] lines = text.split("\n", 4);
        char how = lines[0].length() == 1 ? lines[0].charAt(0) : '?';
        String token;
        String header = lines.length > 1 ? lines[1] : "";
        String claims = lines.length > 2 ? lines[2] : "";
        switch (how) {
            case 'S', 'P', 'D' -> {
                String input = b64(header) + "." + b64(claims);
                token = input + "." + b64(sign(how, input));
            }
            case 'F' -> token = b64(header) + "." + b64(claims) + "." + b64(lines.length > 3 ? lines[3] : "");
            default -> token = lines.length > 1 ? text.substring(lines[0].length() + 1) : text;
        }

        Object result = Internals.call(VERIFY_NOW, VERIFIER, token);
        assertThat(result).isNotNull();
        boolean ok = (boolean) Internals.call(Internals.method(result.getClass(), "ok"), result);
        Object verified = Internals.call(Internals.method(result.getClass(), "token"), result);
        String error = (String) Internals.call(Internals.method(result.getClass(), "error"), result);
        assertThat(ok).isEqualTo(verified != null);
        if (!ok) {
            assertThat(error).as("a refusal says why").isNotEmpty();
            return;
        }
        assertThat(how).as("only a token this test signed verifies: %s", token).isIn('S', 'P', 'D');
        String alg = com.nimbusds.jwt.SignedJWT.parse(token).getHeader().getAlgorithm().getName();
        assertThat(alg).as("the key that signed it pins the algorithm").isEqualTo(switch (how) {
            case 'S' -> "HS256";
            case 'P' -> "RS256";
            default -> "EdDSA";
        });
        String user = (String) Internals.call(Internals.method(verified.getClass(), "user"), verified);
        JWTClaimsSet c = (JWTClaimsSet) Internals.call(Internals.method(verified.getClass(), "claims"), verified);
        long now = CLOCK.nowMillis();
        assertThat(user).isNotEmpty().hasSizeLessThanOrEqualTo(512);
        Date exp = c.getExpirationTime();
        assertThat(exp).as("exp is required").isNotNull();
        assertThat(now).as("not expired").isLessThan(exp.getTime() + LEEWAY_MILLIS);
        if (c.getNotBeforeTime() != null) {
            assertThat(now + LEEWAY_MILLIS).isGreaterThanOrEqualTo(c.getNotBeforeTime().getTime());
        }
        if (c.getIssueTime() != null) {
            assertThat(now + LEEWAY_MILLIS).isGreaterThanOrEqualTo(c.getIssueTime().getTime());
        }
        assertThat(c.getIssuer()).isEqualTo(ISSUER);
        assertThat(c.getAudience()).containsAnyOf(AUDIENCE, "other");
    }
}
