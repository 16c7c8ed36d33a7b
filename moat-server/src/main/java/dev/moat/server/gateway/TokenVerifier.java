package dev.moat.server.gateway;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyType;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.OctetSequenceKey;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.moat.core.Clock;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Verifies JWTs: structure, algorithm allow-list, signature by a key whose type pins the
 * algorithm, then {@code exp}/{@code nbf}/{@code iat} with leeway, {@code iss} and {@code aud}.
 * Revocation is the engine's ({@code Moat.isTokenRevoked}) and is asked by the caller, on the
 * decision thread, since it may touch a store.
 *
 * <p>Keys: the config's, plus a JWKS file (re-read at every refresh) and a JWKS URL (fetched
 * with a timeout, cached, refreshed every {@code jwks_refresh}, and at most every 30 s early
 * when a token names a {@code kid} we do not have, so key rotation works without a restart).
 * A failed refresh keeps the last good keys.
 *
 * <p>Why the attacks fail: {@code alg: none} is not a JWS algorithm, so the token does not
 * parse as a signed JWT and is never in the allow-list; a token signed HS256 with an RSA public
 * key's bytes finds no HMAC key to verify with (RSA keys verify RS and PS only); a tampered
 * payload or signature fails the signature check; {@code exp}, {@code nbf}, {@code iss} and
 * {@code aud} are checked after the signature, with the injected clock.
 */
final class TokenVerifier implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TokenVerifier.class);
    static final int MAX_TOKEN_CHARS = 16 * 1024;
    private static final long EARLY_REFRESH_MILLIS = 30_000;
    private static final int MAX_JWKS_BYTES = 1 << 20;

    /** A verified token. {@code issuedAtMillis} is 0 when the token has no {@code iat}. */
    record Verified(String user, String jti, long issuedAtMillis, long expiresAtMillis, JWTClaimsSet claims) {
    }

    /** The outcome: a verified token, or why not. */
    record Result(Verified token, String error) {
        boolean ok() {
            return token != null;
        }

        static Result fail(String why) {
            return new Result(null, why);
        }
    }

    private record KeyEntry(GatewaySettings.VerificationKey key, Object verifier) {
    }

    private final GatewaySettings.Jwt settings;
    private final Clock clock;
    private final Vertx vertx;
    private final List<KeyEntry> configured;
    private volatile List<KeyEntry> fetched = List.of();
    private final HttpClient jwksClient;
    private volatile long lastRefreshAt = Long.MIN_VALUE / 2;
    private final AtomicBoolean refreshing = new AtomicBoolean();
    private volatile Future<Void> inFlight;
    private long timer = -1;

    TokenVerifier(Vertx vertx, GatewaySettings.Jwt settings, Clock clock) {
        this.vertx = vertx;
        this.settings = settings;
        this.clock = clock;
        List<KeyEntry> c = new ArrayList<>();
        for (GatewaySettings.VerificationKey k : settings.keys()) {
            c.add(entry(k));
        }
        this.configured = List.copyOf(c);
        this.jwksClient = settings.jwksUrl() == null ? null
                : vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) Math.min(Integer.MAX_VALUE,
                settings.jwksTimeoutMillis())).setIdleTimeout((int) Math.max(1, settings.jwksTimeoutMillis() / 1000))
                .setTrustAll(false).setVerifyHost(true));
        if (settings.jwksFile() != null) {
            // fail at start on an unreadable file: it is config, not a remote service
            fetched = load(readFile(settings.jwksFile()), "gateway.jwt.jwks_file " + settings.jwksFile());
        }
    }

    /** Fetches the JWKS URL once (a failure is logged, not fatal) and starts the periodic refresh. */
    Future<Void> start() {
        if (settings.jwksFile() == null && settings.jwksUrl() == null) {
            return Future.succeededFuture();
        }
        timer = vertx.setPeriodic(settings.jwksRefreshMillis(), id -> refresh());
        return settings.jwksUrl() == null ? Future.succeededFuture() : refresh().recover(e -> Future.succeededFuture());
    }

    @Override
    public void close() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        if (jwksClient != null) {
            jwksClient.close();
        }
    }

    boolean enabled() {
        return settings.enabled();
    }

    /** Verifies {@code token}; completes on the caller's context. */
    Future<Result> verify(String token) {
        Parsed p;
        try {
            p = parse(token);
        } catch (Invalid e) {
            return Future.succeededFuture(Result.fail(e.getMessage()));
        }
        List<KeyEntry> candidates = candidates(p.header);
        if (candidates.isEmpty() && settings.jwksUrl() != null && mayRefreshEarly()) {
            return refresh().recover(e -> Future.succeededFuture()).map(v -> finish(p, candidates(p.header)));
        }
        return Future.succeededFuture(finish(p, candidates));
    }

    /** Verifies with the keys at hand, without fetching (for tests and synchronous callers). */
    Result verifyNow(String token) {
        try {
            Parsed p = parse(token);
            return finish(p, candidates(p.header));
        } catch (Invalid e) {
            return Result.fail(e.getMessage());
        }
    }

    private record Parsed(SignedJWT jwt, JWSHeader header) {
    }

    private static final class Invalid extends Exception {
        private static final long serialVersionUID = 1L;

        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    private Parsed parse(String token) throws Invalid {
        if (token == null || token.isEmpty()) {
            throw new Invalid("no token");
        }
        if (token.length() > MAX_TOKEN_CHARS) {
            throw new Invalid("token too long");
        }
        SignedJWT jwt;
        try {
            jwt = SignedJWT.parse(token);
        } catch (java.text.ParseException | RuntimeException e) {
            // an unsigned token (alg none) lands here too: it is not a JWS
            throw new Invalid("not a signed JWT");
        }
        JWSHeader h = jwt.getHeader();
        JWSAlgorithm alg = h.getAlgorithm();
        if (alg == null || "none".equalsIgnoreCase(alg.getName()) || !settings.algorithms().contains(alg)) {
            throw new Invalid("algorithm " + (alg == null ? "(none)" : alg.getName()) + " is not allowed");
        }
        return new Parsed(jwt, h);
    }

    /** Keys that may verify this header: of a type that fits its algorithm, matching its kid if both have one. */
    private List<KeyEntry> candidates(JWSHeader h) {
        JWSAlgorithm alg = h.getAlgorithm();
        String kid = h.getKeyID();
        List<KeyEntry> exact = new ArrayList<>();
        List<KeyEntry> anonymous = new ArrayList<>();
        for (List<KeyEntry> list : List.of(configured, fetched)) {
            for (KeyEntry e : list) {
                if (!e.key.algorithms().contains(alg)) {
                    continue;
                }
                String k = e.key.jwk().getKeyID();
                if (kid != null && kid.equals(k)) {
                    exact.add(e);
                } else if (k == null || kid == null) {
                    anonymous.add(e);
                }
            }
        }
        return exact.isEmpty() ? anonymous : exact;
    }

    private Result finish(Parsed p, List<KeyEntry> candidates) {
        if (candidates.isEmpty()) {
            return Result.fail("no key for algorithm " + p.header.getAlgorithm().getName()
                    + (p.header.getKeyID() == null ? "" : " and kid " + p.header.getKeyID()));
        }
        boolean verified = false;
        byte[] signingInput = p.jwt.getSigningInput();
        for (int i = 0; i < candidates.size() && i < 16 && !verified; i++) {
            verified = verifySignature(candidates.get(i), p.header, signingInput, p.jwt);
        }
        if (!verified) {
            return Result.fail("bad signature");
        }
        JWTClaimsSet c;
        try {
            c = p.jwt.getJWTClaimsSet();
        } catch (java.text.ParseException e) {
            return Result.fail("claims are not a JSON object");
        }
        long now = clock.nowMillis();
        long leeway = settings.leewayMillis();
        Date exp = c.getExpirationTime();
        if (exp == null && settings.requireExp()) {
            return Result.fail("no exp");
        }
        if (exp != null && now >= exp.getTime() + leeway) {
            return Result.fail("expired");
        }
        Date nbf = c.getNotBeforeTime();
        if (nbf != null && now + leeway < nbf.getTime()) {
            return Result.fail("not yet valid");
        }
        Date iat = c.getIssueTime();
        if (iat != null && now + leeway < iat.getTime()) {
            return Result.fail("issued in the future");
        }
        if (!settings.issuers().isEmpty() && (c.getIssuer() == null || !settings.issuers().contains(c.getIssuer()))) {
            return Result.fail("wrong issuer");
        }
        if (!settings.audiences().isEmpty()) {
            List<String> aud = c.getAudience();
            if (aud == null || aud.stream().noneMatch(settings.audiences()::contains)) {
                return Result.fail("wrong audience");
            }
        }
        Object u = c.getClaim(settings.userClaim());
        String user = u instanceof String s ? s : u instanceof Number n ? n.toString() : null;
        if (user == null || user.isEmpty() || user.length() > 512) {
            return Result.fail("no user claim '" + settings.userClaim() + "'");
        }
        return new Result(new Verified(user, c.getJWTID(), iat == null ? 0 : iat.getTime(),
                exp == null ? Long.MAX_VALUE : exp.getTime(), c), null);
    }

    private static boolean verifySignature(KeyEntry e, JWSHeader h, byte[] signingInput, SignedJWT jwt) {
        try {
            if (e.verifier instanceof JWSVerifier v) {
                return v.verify(h, signingInput, jwt.getSignature());
            }
            if (e.verifier instanceof PublicKey ed && JWSAlgorithm.EdDSA.equals(h.getAlgorithm())) {
                if (h.getCriticalParams() != null && !h.getCriticalParams().isEmpty()) {
                    return false;
                }
                Signature s = Signature.getInstance("Ed25519");
                s.initVerify(ed);
                s.update(signingInput);
                return s.verify(jwt.getSignature().decode());
            }
            return false;
        } catch (JOSEException | java.security.GeneralSecurityException | RuntimeException ex) {
            return false;
        }
    }

    private static KeyEntry entry(GatewaySettings.VerificationKey k) {
        JWK jwk = k.jwk();
        try {
            Object v;
            if (KeyType.OCT.equals(jwk.getKeyType())) {
                v = new MACVerifier((OctetSequenceKey) jwk);
            } else if (KeyType.RSA.equals(jwk.getKeyType())) {
                v = new RSASSAVerifier((RSAKey) jwk);
            } else if (KeyType.EC.equals(jwk.getKeyType())) {
                v = new ECDSAVerifier((ECKey) jwk);
            } else if (KeyType.OKP.equals(jwk.getKeyType())) {
                v = Keys.ed25519((OctetKeyPair) jwk);
            } else {
                throw new IllegalArgumentException("unsupported key type " + jwk.getKeyType());
            }
            return new KeyEntry(k, v);
        } catch (JOSEException | java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException("key " + jwk.getKeyID() + ": " + e.getMessage(), e);
        }
    }

    // ---- JWKS ---------------------------------------------------------------------------------

    private boolean mayRefreshEarly() {
        return clock.nowMillis() - lastRefreshAt >= Math.min(EARLY_REFRESH_MILLIS, settings.jwksRefreshMillis());
    }

    /** Re-reads the file and refetches the URL; keeps the old keys on failure. */
    Future<Void> refresh() {
        if (!refreshing.compareAndSet(false, true)) {
            Future<Void> f = inFlight;
            return f == null ? Future.succeededFuture() : f;
        }
        lastRefreshAt = clock.nowMillis();
        Promise<Void> done = Promise.promise();
        inFlight = done.future();
        Future<List<KeyEntry>> next;
        if (settings.jwksUrl() != null) {
            next = fetch();
        } else {
            next = vertx.fileSystem().readFile(settings.jwksFile())
                    .map(b -> load(b.toString(), "gateway.jwt.jwks_file " + settings.jwksFile()));
        }
        next.onComplete(ar -> {
            if (ar.succeeded()) {
                List<KeyEntry> keys = new ArrayList<>(ar.result());
                if (settings.jwksUrl() != null && settings.jwksFile() != null) {
                    try {
                        keys.addAll(load(readFile(settings.jwksFile()), "gateway.jwt.jwks_file"));
                    } catch (RuntimeException e) {
                        LOG.warn("JWKS file unreadable, keeping the URL's keys only: {}", e.getMessage());
                    }
                }
                fetched = List.copyOf(keys);
            } else {
                LOG.warn("JWKS refresh failed, keeping {} known key(s): {}", fetched.size(), ar.cause().toString());
            }
            refreshing.set(false);
            if (ar.succeeded()) {
                done.complete();
            } else {
                done.fail(ar.cause());
            }
        });
        return done.future();
    }

    private Future<List<KeyEntry>> fetch() {
        Promise<List<KeyEntry>> p = Promise.promise();
        long t = vertx.setTimer(settings.jwksTimeoutMillis(), id -> p.tryFail("JWKS fetch timed out after "
                + settings.jwksTimeoutMillis() + "ms"));
        RequestOptions o = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(settings.jwksUrl().toString())
                .putHeader("Accept", "application/json");
        jwksClient.request(o)
                .compose(req -> req.send())
                .compose(res -> {
                    if (res.statusCode() != 200) {
                        return Future.failedFuture("JWKS URL answered " + res.statusCode());
                    }
                    String len = res.getHeader("content-length");
                    if (len != null && len.matches("\\d{1,12}") && Long.parseLong(len) > MAX_JWKS_BYTES) {
                        return Future.failedFuture("JWKS larger than 1MB");
                    }
                    return res.body();
                })
                .onComplete(ar -> {
                    vertx.cancelTimer(t);
                    if (ar.failed()) {
                        p.tryFail(ar.cause());
                        return;
                    }
                    Buffer b = ar.result();
                    if (b.length() > MAX_JWKS_BYTES) {
                        p.tryFail("JWKS larger than 1MB");
                        return;
                    }
                    try {
                        p.tryComplete(load(b.toString(), "gateway.jwt.jwks_url"));
                    } catch (RuntimeException e) {
                        p.tryFail(e);
                    }
                });
        return p.future();
    }

    private static String readFile(String file) {
        try {
            return Files.readString(Path.of(file));
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("gateway.jwt.jwks_file: cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Parses a JWKS document; keeps the keys that may verify an allowed algorithm. */
    private List<KeyEntry> load(String json, String what) {
        JWKSet set;
        try {
            set = JWKSet.parse(json);
        } catch (java.text.ParseException e) {
            throw new IllegalArgumentException(what + " is not a JWK set: " + e.getMessage(), e);
        }
        List<KeyEntry> out = new ArrayList<>();
        for (JWK k : set.getKeys()) {
            JWK pub = Keys.publicOf(k);
            Set<JWSAlgorithm> algs = Keys.algorithmsFor(pub, settings.algorithms());
            if (!algs.isEmpty()) {
                try {
                    out.add(entry(new GatewaySettings.VerificationKey(pub, algs)));
                } catch (IllegalArgumentException e) {
                    LOG.warn("{}: skipping key {}: {}", what, k.getKeyID(), e.getMessage());
                }
            }
        }
        return out;
    }

    /** How many keys are known (configured plus fetched). */
    int keyCount() {
        return configured.size() + fetched.size();
    }
}
