package dev.moat.server.config;

import java.util.List;

/**
 * The {@code server} section.
 *
 * @param host           listen address (loopback by default)
 * @param port           listen port (7878 by default; 0 picks a free port)
 * @param apiKeys        configured keys; empty means unauthenticated, loopback only
 * @param trustedProxies CIDRs whose forwarding headers are believed
 * @param maxBodyBytes   request body limit (64 KiB by default)
 * @param logMessageText include message text in decision logs (off by default)
 * @param benchNoopEndpoint serve {@code POST /v1/noop}, a benchmarking aid that goes through the same
 *                       server, auth and body handling as {@code /v1/check} but decides nothing (off by
 *                       default; read at startup only)
 * @param idleTimeoutMillis a connection that sends and receives nothing for this long is closed (120 s
 *                       by default; slow and idle clients cannot hold connections for ever; read at
 *                       startup only)
 */
public record ServerSettings(String host, int port, List<ApiKey> apiKeys, List<String> trustedProxies, long maxBodyBytes,
                             boolean logMessageText, boolean benchNoopEndpoint, long idleTimeoutMillis) {

    /** 120 s: longer than any answer takes, short enough that held sockets are returned. */
    public static final long DEFAULT_IDLE_TIMEOUT_MILLIS = 120_000;

    public static final ServerSettings DEFAULTS = new ServerSettings("127.0.0.1", 7878, List.of(), List.of(), 64 * 1024,
            false, false, DEFAULT_IDLE_TIMEOUT_MILLIS);

    /** Settings without the benchmarking endpoint (the common case). */
    public ServerSettings(String host, int port, List<ApiKey> apiKeys, List<String> trustedProxies, long maxBodyBytes,
                          boolean logMessageText) {
        this(host, port, apiKeys, trustedProxies, maxBodyBytes, logMessageText, false, DEFAULT_IDLE_TIMEOUT_MILLIS);
    }

    /** Settings with the default idle timeout. */
    public ServerSettings(String host, int port, List<ApiKey> apiKeys, List<String> trustedProxies, long maxBodyBytes,
                          boolean logMessageText, boolean benchNoopEndpoint) {
        this(host, port, apiKeys, trustedProxies, maxBodyBytes, logMessageText, benchNoopEndpoint,
                DEFAULT_IDLE_TIMEOUT_MILLIS);
    }

    public ServerSettings {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("server.listen: host is required");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("server.listen: port must be 0 to 65535, was " + port);
        }
        apiKeys = apiKeys == null ? List.of() : List.copyOf(apiKeys);
        trustedProxies = trustedProxies == null ? List.of() : List.copyOf(trustedProxies);
        if (maxBodyBytes < 1) {
            throw new IllegalArgumentException("server.max_body must be at least 1 byte, was " + maxBodyBytes);
        }
        if (idleTimeoutMillis < 1000) {
            throw new IllegalArgumentException("server.idle_timeout must be at least 1s, was " + idleTimeoutMillis + "ms");
        }
    }

    /** True when {@code host} is a loopback address (127.0.0.0/8, ::1, localhost). */
    public boolean loopback() {
        String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        return h.equals("localhost") || h.startsWith("127.") || h.equals("::1");
    }
}
