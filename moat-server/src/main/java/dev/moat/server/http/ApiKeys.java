package dev.moat.server.http;

import dev.moat.server.config.ApiKey;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * The configured API keys, compared in constant time: the candidate and every key are hashed with
 * SHA-256 and compared with {@link MessageDigest#isEqual}, and every key is compared whatever
 * matched, so neither the length of a key nor which key matched shows in the timing. Keys are
 * held only as digests and never logged; problems never quote what the caller sent.
 */
public final class ApiKeys {
    private record Entry(String name, ApiKey.Role role, byte[] digest) {
    }

    private static final String SCHEME = "bearer ";
    private final List<Entry> entries;

    private ApiKeys(List<Entry> entries) {
        this.entries = entries;
    }

    public static ApiKeys of(List<ApiKey> keys) {
        List<Entry> list = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
            ApiKey k = keys.get(i);
            String name = k.name() == null || k.name().isBlank() ? "key-" + (i + 1) : k.name();
            list.add(new Entry(name, k.role(), sha256(k.key())));
        }
        return new ApiKeys(List.copyOf(list));
    }

    /** True when no keys are configured: every call is allowed (only ever on a loopback listener). */
    public boolean open() {
        return entries.isEmpty();
    }

    public int size() {
        return entries.size();
    }

    /**
     * The caller behind an {@code Authorization} header, or a 401. With no keys configured every
     * caller is {@link Caller#ANONYMOUS}.
     */
    public Caller authenticate(String authorization) {
        if (entries.isEmpty()) {
            return Caller.ANONYMOUS;
        }
        if (authorization == null || authorization.isBlank()) {
            throw new ApiException(401, "unauthorized", "an API key is required: Authorization: Bearer <key>", null);
        }
        String h = authorization.strip();
        if (h.length() <= SCHEME.length() || !h.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            throw new ApiException(401, "unauthorized", "the Authorization header must be: Bearer <key>", null);
        }
        byte[] candidate = sha256(h.substring(SCHEME.length()).strip());
        Entry found = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(candidate, e.digest) && found == null) {
                found = e;
            }
        }
        if (found == null) {
            throw new ApiException(401, "unauthorized", "unknown API key", null);
        }
        return new Caller(found.name, found.role);
    }

    /** 403 when {@code caller} may not use an endpoint needing {@code access}. */
    public static void authorize(Caller caller, Access access) {
        if (!caller.may(access)) {
            throw new ApiException(403, "forbidden", "the key '" + caller.name() + "' has role "
                    + caller.role().name().toLowerCase(java.util.Locale.ROOT) + "; this endpoint needs an admin key", null);
        }
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
