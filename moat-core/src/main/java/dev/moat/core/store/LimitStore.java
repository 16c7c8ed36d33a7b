package dev.moat.core.store;

import java.util.List;

/**
 * Where rate-limit counters and concurrency leases live: this node's memory, or Redis.
 * Implementations run the contract suite in moat-core's test-jar ({@code LimitStoreContract}).
 */
public interface LimitStore extends AutoCloseable {

    /**
     * Applies a group of limits as one: the calls are evaluated in order, and either every one
     * admits its cost and all are spent, or none is spent. The result has one outcome per call, in
     * order; calls after the first refusal are evaluated without spending. {@code dryRun}
     * evaluates everything and spends nothing.
     */
    LimitOutcome[] consume(List<LimitCall> calls, long nowMillis, boolean dryRun);

    /**
     * The same for a group of one limit (most restrictions have one): spends {@code call}'s cost if
     * it is admitted. Stores may answer it without the list and array of the general form.
     */
    default LimitOutcome consume(LimitCall call, long nowMillis, boolean dryRun) {
        return consume(List.of(call), nowMillis, dryRun)[0];
    }

    /** Takes one of {@code max} concurrent leases on {@code key}, each lapsing after {@code leaseMillis}. */
    LeaseGrant acquireLease(String key, int max, long leaseMillis, long nowMillis);

    /** Releases a lease; unknown, malformed and already released ids are ignored. */
    void releaseLease(String leaseId, long nowMillis);

    /** "memory" or "redis": shown by /healthz. */
    String kind();

    @Override
    default void close() {
    }
}
