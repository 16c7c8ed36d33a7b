package dev.moat.core.store;

import java.util.List;
import java.util.concurrent.CompletableFuture;

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

    /**
     * The answer {@link #consume(List, long, boolean)} gives, without waiting for it on the calling
     * thread: for stores that talk over the network, so that an event loop can hand the calls over
     * and go on. The future completes with the outcomes (or with the exception consume would have
     * thrown) on whatever thread the store answers from, within the store's own timeout. Null when
     * this store cannot answer these calls without blocking: call {@link #consume} then, from a
     * thread that may wait. Stores in this process's memory answer at once and return null.
     */
    default CompletableFuture<LimitOutcome[]> consumeAsync(List<LimitCall> calls, long nowMillis, boolean dryRun) {
        return null;
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
