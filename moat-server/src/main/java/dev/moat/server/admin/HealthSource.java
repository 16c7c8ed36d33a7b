package dev.moat.server.admin;

import dev.moat.server.http.Health;

import java.util.function.Supplier;

/**
 * What the admin page shows of this node's stores. The composition root decides how to fill it:
 * {@link #of(Supplier)} adapts the {@code /healthz} {@link Health}; a distributed store adds
 * whether Redis answers and whether the node is running on its local fallback.
 */
@FunctionalInterface
public interface HealthSource {

    /**
     * @param ok             false when the node cannot decide safely
     * @param store          where counters live: {@code memory} or {@code redis}
     * @param stateStore     where bans, scores and the log live: {@code sqlite}, {@code memory}, {@code redis}
     * @param problem        why the node is unhealthy, or null
     * @param redisUp        whether Redis answers; null when no Redis is configured
     * @param fallbackActive whether the node decides from its local fallback because Redis is away; null when there is no fallback
     */
    record StoreHealth(boolean ok, String store, String stateStore, String problem, Boolean redisUp,
                       Boolean fallbackActive) {
    }

    StoreHealth storeHealth();

    /** The health {@code /healthz} reports, with no Redis fields (there is no Redis in it yet). */
    static HealthSource of(Supplier<Health> health) {
        return () -> {
            Health h = health.get();
            return new StoreHealth(h.ok(), h.store(), h.stateStore(), h.problem(), null, null);
        };
    }
}
