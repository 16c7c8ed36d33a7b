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

    /** Algorithm bits of a limit script variant: the sections it includes. */
    static final int GCRA = 1;
    static final int FIXED = 2;
    static final int SLIDING = 4;
    static final int ALL = GCRA | FIXED | SLIDING;

    private static final Script[] CONSUME = variants("consume");
    private static final Script[] REFUND = variants("refund");
    static final Script SLICE_TAKE = limit("slice_take", ALL);
    static final Script SLICE_RETURN = limit("slice_return", ALL);
    static final Script LEASE_ACQUIRE = plain("lease_acquire");
    static final Script LEASE_RELEASE = plain("lease_release");
    static final Script BAN_PUT = plain("ban_put");
    static final Script BAN_REMOVE = plain("ban_remove");
    static final Script SCORE_ADD = plain("score_add");
    static final Script LOG_APPEND = plain("log_append");
    static final Script LOG_PRUNE = plain("log_prune");
    static final Script MAX_SET = plain("max_set");

    /** The consume script for calls whose algorithms are the bits of {@code algorithms}. */
    static Script consume(int algorithms) {
        return CONSUME[algorithms];
    }

    /** The refund script for calls whose algorithms are the bits of {@code algorithms}. */
    static Script refund(int algorithms) {
        return REFUND[algorithms];
    }

    /** The bit of an algorithm letter ('g', 'f', 's'). */
    static int bit(char algorithm) {
        return algorithm == 'g' ? GCRA : algorithm == 'f' ? FIXED : SLIDING;
    }

    private static Script[] variants(String name) {
        Script[] v = new Script[ALL + 1];
        for (int algorithms = 1; algorithms <= ALL; algorithms++) {
            v[algorithms] = limit(name, algorithms);
        }
        if (name.equals("consume")) {
            // the common case gets a script of its own, with GCRA written out in the loop
            v[GCRA] = plain("consume_gcra");
        }
        return v;
    }

    /**
     * A limit script: the prelude, the sections of the given algorithms only, the dispatch, then
     * the script's own body. Redis runs the whole text on every call, defining every function in
     * it anew, so leaving out the algorithms a call cannot meet is what keeps a check cheap.
     */
    static Script limit(String name, int algorithms) {
        return of(name, text(name, algorithms));
    }

    /** The text of a limit script (public through RedisLimitStore for the benchmark). */
    static String text(String name, int algorithms) {
        StringBuilder b = new StringBuilder(resource("prelude"));
        if ((algorithms & GCRA) != 0) {
            b.append(resource("gcra"));
        }
        if ((algorithms & FIXED) != 0) {
            b.append(resource("fixed"));
        }
        if ((algorithms & SLIDING) != 0) {
            b.append(resource("sliding"));
        }
        return b.append(resource("dispatch")).append(resource(name)).toString();
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
