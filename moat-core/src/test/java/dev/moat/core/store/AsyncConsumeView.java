package dev.moat.core.store;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A store seen through its non-blocking consume: {@code consume} (both forms) asks
 * {@link LimitStore#consumeAsync} and waits for its answer, and falls back to the store's own
 * consume only where consumeAsync says it cannot answer (null). Run through {@link LimitStoreContract},
 * it holds the non-blocking form to every rule of the blocking one.
 */
public final class AsyncConsumeView implements LimitStore {
    private final LimitStore store;
    private final AtomicLong answered = new AtomicLong();

    public AsyncConsumeView(LimitStore store) {
        this.store = store;
    }

    /** How many consume calls the non-blocking form answered. */
    public long answeredAsync() {
        return answered.get();
    }

    @Override
    public LimitOutcome[] consume(List<LimitCall> calls, long nowMillis, boolean dryRun) {
        CompletableFuture<LimitOutcome[]> answer = store.consumeAsync(calls, nowMillis, dryRun);
        if (answer == null) {
            return store.consume(calls, nowMillis, dryRun);
        }
        try {
            LimitOutcome[] out = answer.join();
            answered.incrementAndGet();
            return out;
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    @Override
    public CompletableFuture<LimitOutcome[]> consumeAsync(List<LimitCall> calls, long nowMillis, boolean dryRun) {
        return store.consumeAsync(calls, nowMillis, dryRun);
    }

    @Override
    public LeaseGrant acquireLease(String key, int max, long leaseMillis, long nowMillis) {
        return store.acquireLease(key, max, leaseMillis, nowMillis);
    }

    @Override
    public void releaseLease(String leaseId, long nowMillis) {
        store.releaseLease(leaseId, nowMillis);
    }

    @Override
    public String kind() {
        return store.kind();
    }

    @Override
    public void close() {
        store.close();
    }
}
