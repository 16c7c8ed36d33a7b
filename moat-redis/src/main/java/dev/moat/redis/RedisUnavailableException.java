package dev.moat.redis;

/**
 * Redis could not answer in time (down, unreachable, timed out, loading, cluster down). The
 * failover stores catch it and apply the configured {@code on_failure}; the plain Redis stores let
 * it through, to be mapped once at the edge.
 */
public final class RedisUnavailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public RedisUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    public RedisUnavailableException(String message) {
        super(message);
    }
}
