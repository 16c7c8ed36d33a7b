package dev.moat.server.config;

import java.util.List;

/**
 * The {@code store} section.
 *
 * @param type        memory (embedded default: memory counters, durable state in data_dir) or redis
 * @param dataDir     where the embedded default keeps its SQLite file
 * @param maxKeys     cap on tracked counter keys in memory
 * @param redis       the redis settings (used when type is redis)
 */
public record StoreSettings(String type, String dataDir, int maxKeys, Redis redis) {

    /**
     * @param uri        redis:// or rediss:// (user and password may be in the URI)
     * @param nodes      cluster seed nodes host:port (when set, cluster mode)
     * @param keyPrefix  prefix of every key
     * @param onFailure  local | allow | deny
     * @param timeoutMillis the longest any request waits for Redis
     */
    public record Redis(String uri, List<String> nodes, String keyPrefix, String onFailure, long timeoutMillis) {
        public static final Redis DEFAULTS = new Redis("redis://127.0.0.1:6379", List.of(), "moat", "local", 250);

        public Redis {
            nodes = nodes == null ? List.of() : List.copyOf(nodes);
            if (!List.of("local", "allow", "deny").contains(onFailure)) {
                throw new IllegalArgumentException("store.redis.on_failure must be local, allow or deny, was '" + onFailure + "'");
            }
            if (timeoutMillis < 1) {
                throw new IllegalArgumentException("store.redis.timeout must be positive");
            }
        }

        @Override
        public String toString() {
            return "Redis[uri=" + MaskedUri.mask(uri) + ", nodes=" + nodes + ", keyPrefix=" + keyPrefix + ", onFailure="
                    + onFailure + ", timeoutMillis=" + timeoutMillis + "]";
        }
    }

    public static final StoreSettings DEFAULTS = new StoreSettings("memory", "./data", 1_000_000, Redis.DEFAULTS);

    public StoreSettings {
        if (!"memory".equals(type) && !"redis".equals(type)) {
            throw new IllegalArgumentException("store.type must be memory or redis, was '" + type + "'");
        }
        if (maxKeys < 1) {
            throw new IllegalArgumentException("store.max_keys must be at least 1, was " + maxKeys);
        }
        redis = redis == null ? Redis.DEFAULTS : redis;
    }
}
