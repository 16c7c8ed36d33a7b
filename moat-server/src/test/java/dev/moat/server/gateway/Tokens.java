package dev.moat.server.gateway;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

/** Keys and tokens for the tests, good and hostile. Keys are made once per JVM (RSA generation is slow). */
final class Tokens {
    static final String SECRET = "a-test-secret-that-is-long-enough-for-hs256-0123456789";
    static final String ISSUER = "https://id.example.org";
    static final String AUDIENCE = "chat";
    static final KeyPair RSA = generate("RSA", null);
    static final KeyPair EC = generate("EC", new ECGenParameterSpec("secp256r1"));
    static final KeyPair ED = generate("Ed25519", null);

    private Tokens() {
    }

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

    static String rsaPublicPem() {
        return pem(RSA.getPublic().getEncoded());
    }

    static String ecPublicPem() {
        return pem(EC.getPublic().getEncoded());
    }

    static String edPublicPem() {
        return pem(ED.getPublic().getEncoded());
    }

    static String pem(byte[] der) {
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END PUBLIC KEY-----\n";
    }

    /** A JWKS with the RSA key (kid rsa-1), the EC key (ec-1) and the Ed25519 key (ed-1). */
    static String jwks() {
        RSAKey rsa = new RSAKey.Builder((RSAPublicKey) RSA.getPublic()).keyID("rsa-1").build();
        ECKey ec = new ECKey.Builder(Curve.P_256, (ECPublicKey) EC.getPublic()).keyID("ec-1").build();
        byte[] enc = ED.getPublic().getEncoded();
        OctetKeyPair ed = new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(Arrays.copyOfRange(enc, enc.length - 32,
                enc.length))).keyID("ed-1").build();
        return new JWKSet(List.of(rsa, ec, ed)).toString();
    }

    /** Claims for {@code user}: iss, aud, iat now, exp in an hour, a fresh jti. */
    static JWTClaimsSet.Builder claims(String user) {
        long now = System.currentTimeMillis();
        return new JWTClaimsSet.Builder().subject(user).issuer(ISSUER).audience(AUDIENCE)
                .issueTime(new Date(now - 1000)).expirationTime(new Date(now + 3_600_000)).jwtID(UUID.randomUUID().toString());
    }

    static String hs256(String user) {
        return hs(JWSAlgorithm.HS256, SECRET.getBytes(StandardCharsets.UTF_8), claims(user).build(), null);
    }

    static String hs256(JWTClaimsSet claims) {
        return hs(JWSAlgorithm.HS256, SECRET.getBytes(StandardCharsets.UTF_8), claims, null);
    }

    static String hs(JWSAlgorithm alg, byte[] secret, JWTClaimsSet claims, String kid) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(alg).keyID(kid).build(), claims);
            jwt.sign(new MACSigner(secret));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static String rs256(JWTClaimsSet claims, String kid) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).build(), claims);
            jwt.sign(new RSASSASigner(RSA.getPrivate()));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static String es256(JWTClaimsSet claims, String kid) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(kid).build(), claims);
            jwt.sign(new ECDSASigner((ECPrivateKey) EC.getPrivate()));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** EdDSA by hand with the JDK (nimbus's signer needs Tink). */
    static String eddsa(JWTClaimsSet claims, String kid) {
        try {
            String header = "{\"alg\":\"EdDSA\",\"typ\":\"JWT\"" + (kid == null ? "" : ",\"kid\":\"" + kid + "\"") + "}";
            String input = b64(header.getBytes(StandardCharsets.UTF_8)) + "." + b64(claims.toString().getBytes(StandardCharsets.UTF_8));
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(ED.getPrivate());
            s.update(input.getBytes(StandardCharsets.US_ASCII));
            return input + "." + b64(s.sign());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** An unsigned token: {@code alg: none}, empty signature. */
    static String none(String user) {
        return new PlainJWT(claims(user).build()).serialize();
    }

    /** {@code alg: none} spelled otherwise ("None"), with a signature part that is not empty. */
    static String noneWithSignature(String user) {
        String header = b64("{\"alg\":\"None\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        return header + "." + b64(claims(user).build().toString().getBytes(StandardCharsets.UTF_8)) + ".c2ln";
    }

    /** HMAC/RSA confusion: HS256 signed with the bytes of the RSA public key (PEM), as verifiers that take "the key" mix up. */
    static String hs256WithRsaPublicKey(String user) {
        return hs(JWSAlgorithm.HS256, rsaPublicPem().getBytes(StandardCharsets.US_ASCII), claims(user).build(), null);
    }

    /** The same with the DER bytes of the key. */
    static String hs256WithRsaPublicKeyDer(String user) {
        return hs(JWSAlgorithm.HS256, RSA.getPublic().getEncoded(), claims(user).build(), null);
    }

    /** A valid token whose payload is swapped for another user's, keeping the signature. */
    static String tamperedPayload(String token, String otherUser) {
        String[] p = token.split("\\.");
        String payload = b64(claims(otherUser).build().toString().getBytes(StandardCharsets.UTF_8));
        return p[0] + "." + payload + "." + p[2];
    }

    /** A valid token with one signature byte changed. */
    static String tamperedSignature(String token) {
        String[] p = token.split("\\.");
        byte[] sig = Base64.getUrlDecoder().decode(p[2]);
        sig[sig.length / 2] ^= 0x01;
        return p[0] + "." + p[1] + "." + b64(sig);
    }

    static JWTClaimsSet with(String user, Consumer<JWTClaimsSet.Builder> change) {
        JWTClaimsSet.Builder b = claims(user);
        change.accept(b);
        return b.build();
    }

    static String b64(byte[] b) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }
}
