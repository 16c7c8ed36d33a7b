package dev.moat.server.gateway;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.util.Base64URL;

import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Key material for token verification: which algorithms a key may verify (its type pins them),
 * PEM public keys, and Ed25519 keys as the JDK's (nimbus's own EdDSA needs Tink, which Moat does
 * not ship).
 */
final class Keys {
    private Keys() {
    }

    /** X.509 SubjectPublicKeyInfo prefix of a raw 32-byte Ed25519 key (RFC 8410). */
    private static final byte[] ED25519_SPKI_PREFIX = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00};

    /**
     * The algorithms {@code jwk} may verify: those its type and size allow, narrowed by its own
     * {@code alg} when it has one, and by {@code allowed}. An HMAC secret verifies HS* only; an
     * RSA key (2048 bits or more) RS* and PS*; an EC key the ES* of its curve; an Ed25519 key
     * EdDSA. Keys meant for encryption verify nothing.
     */
    static Set<JWSAlgorithm> algorithmsFor(JWK jwk, Set<JWSAlgorithm> allowed) {
        Set<JWSAlgorithm> fit = new LinkedHashSet<>();
        if (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse())) {
            return Set.of();
        }
        KeyType t = jwk.getKeyType();
        if (KeyType.OCT.equals(t)) {
            int bytes = ((OctetSequenceKey) jwk).toByteArray().length;
            if (bytes >= 32) {
                fit.add(JWSAlgorithm.HS256);
            }
            if (bytes >= 48) {
                fit.add(JWSAlgorithm.HS384);
            }
            if (bytes >= 64) {
                fit.add(JWSAlgorithm.HS512);
            }
        } else if (KeyType.RSA.equals(t)) {
            if (((RSAKey) jwk).size() >= 2048) {
                fit.addAll(JWSAlgorithm.Family.RSA);
            }
        } else if (KeyType.EC.equals(t)) {
            Curve c = ((ECKey) jwk).getCurve();
            if (Curve.P_256.equals(c)) {
                fit.add(JWSAlgorithm.ES256);
            } else if (Curve.P_384.equals(c)) {
                fit.add(JWSAlgorithm.ES384);
            } else if (Curve.P_521.equals(c)) {
                fit.add(JWSAlgorithm.ES512);
            }
        } else if (KeyType.OKP.equals(t)) {
            if (Curve.Ed25519.equals(((OctetKeyPair) jwk).getCurve())) {
                fit.add(JWSAlgorithm.EdDSA);
            }
        }
        if (jwk.getAlgorithm() != null) {
            fit.retainAll(Set.of(JWSAlgorithm.parse(jwk.getAlgorithm().getName())));
        }
        fit.retainAll(allowed);
        return fit;
    }

    /** An HMAC secret (its UTF-8 bytes, as PyJWT and jsonwebtoken use a string secret). */
    static OctetSequenceKey secret(String secret, String kid) {
        return new OctetSequenceKey.Builder(secret.getBytes(StandardCharsets.UTF_8)).keyID(kid).build();
    }

    /** A PEM public key (SubjectPublicKeyInfo: RSA, EC or Ed25519) as a JWK. */
    static JWK fromPem(String pem, String kid) {
        String body = pem.replaceAll("-----BEGIN [A-Z ]+-----", "").replaceAll("-----END [A-Z ]+-----", "")
                .replaceAll("\\s", "");
        if (pem.contains("PRIVATE KEY")) {
            throw new IllegalArgumentException("public_key holds a private key; give the public key only");
        }
        if (pem.contains("BEGIN CERTIFICATE")) {
            throw new IllegalArgumentException("public_key holds a certificate; give the PUBLIC KEY block");
        }
        byte[] der;
        try {
            der = Base64.getDecoder().decode(body);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("public_key is not PEM (base64 between BEGIN/END PUBLIC KEY lines)");
        }
        for (String alg : new String[] {"RSA", "EC", "Ed25519"}) {
            try {
                PublicKey k = KeyFactory.getInstance(alg).generatePublic(new X509EncodedKeySpec(der));
                if (k instanceof RSAPublicKey r) {
                    return new RSAKey.Builder(r).keyID(kid).build();
                }
                if (k instanceof ECPublicKey e) {
                    return new ECKey.Builder(Curve.forECParameterSpec(e.getParams()), e).keyID(kid).build();
                }
                byte[] enc = k.getEncoded();
                byte[] x = Arrays.copyOfRange(enc, enc.length - 32, enc.length);
                return new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(x)).keyID(kid).build();
            } catch (java.security.GeneralSecurityException | IllegalStateException | IllegalArgumentException ignored) {
                // try the next key type
            }
        }
        throw new IllegalArgumentException("public_key is not an RSA, EC or Ed25519 public key");
    }

    /** The public half of an asymmetric key; an HMAC key as is. */
    static JWK publicOf(JWK jwk) {
        if (KeyType.OCT.equals(jwk.getKeyType())) {
            return jwk;
        }
        JWK p = jwk.toPublicJWK();
        return p == null ? jwk : p;
    }

    /** The JDK key of an Ed25519 JWK. */
    static PublicKey ed25519(OctetKeyPair okp) throws java.security.GeneralSecurityException {
        byte[] x = okp.getDecodedX();
        if (x.length != 32) {
            throw new java.security.InvalidKeyException("an Ed25519 key has 32 bytes");
        }
        byte[] spki = Arrays.copyOf(ED25519_SPKI_PREFIX, ED25519_SPKI_PREFIX.length + 32);
        System.arraycopy(x, 0, spki, ED25519_SPKI_PREFIX.length, 32);
        return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(spki));
    }
}
