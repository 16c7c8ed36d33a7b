package dev.moat.server.http;

/**
 * What {@code GET /healthz} reports.
 *
 * @param ok         false: the node cannot decide safely (503)
 * @param store      where counters live: {@code memory} or {@code redis}
 * @param stateStore where bans and scores live: {@code sqlite} or {@code memory}
 * @param bansActive bans in force on this node
 * @param problem    why the node is unhealthy, or null
 * @param redisUp        whether Redis answers; null without Redis
 * @param fallbackActive whether this node decides from its local fallback; null without Redis
 */
public record Health(boolean ok, String store, String stateStore, int bansActive, String problem, Boolean redisUp,
                     Boolean fallbackActive) {

    /** Health of a node without Redis. */
    public Health(boolean ok, String store, String stateStore, int bansActive, String problem) {
        this(ok, store, stateStore, bansActive, problem, null, null);
    }
}
