package dev.moat.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A server-side Lua script and its SHA-1, computed here so no SCRIPT LOAD round trip is needed:
 * callers send EVALSHA, and EVAL (which also caches the script) only when a server answers
 * NOSCRIPT, i.e. once per script per server start.
 */
record Script(String name, String body, String sha) {

    static final Script CONSUME = limit("consume");
    static final Script REFUND = limit("refund");
    static final Script SLICE_TAKE = limit("slice_take");
    static final Script SLICE_RETURN = limit("slice_return");
    static final Script LEASE_ACQUIRE = plain("lease_acquire");
    static final Script LEASE_RELEASE = plain("lease_release");
    static final Script BAN_PUT = plain("ban_put");
    static final Script BAN_REMOVE = plain("ban_remove");
    static final Script SCORE_ADD = plain("score_add");
    static final Script LOG_APPEND = plain("log_append");
    static final Script LOG_PRUNE = plain("log_prune");
    static final Script MAX_SET = plain("max_set");

    /** A limit script: the shared algorithms prelude, then the script's own body. */
    private static Script limit(String name) {
        return of(name, resource("algorithms") + resource(name));
    }

    private static Script plain(String name) {
        return of(name, resource(name));
    }

    static Script of(String name, String body) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-1").digest(body.getBytes(StandardCharsets.UTF_8));
            return new Script(name, body, HexFormat.of().formatHex(d));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String resource(String name) {
        try (InputStream in = Script.class.getResourceAsStream(name + ".lua")) {
            if (in == null) {
                throw new IllegalStateException("missing script " + name + ".lua");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
