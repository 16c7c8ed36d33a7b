package dev.moat.server.observe;

import dev.moat.core.store.LeaseGrant;
import dev.moat.core.store.LimitCall;
import dev.moat.core.store.LimitOutcome;
import dev.moat.core.store.LimitStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A {@link LimitStore} that records {@code moat_store_latency_seconds{store="limits",op}}. It passes
 * on both forms of {@code consume} as they came, so the store's single-limit path stays in use.
 */
public final class TimedLimitStore implements LimitStore {
    private final LimitStore delegate;
    private final Timer consume;
    private final Timer acquire;
    private final Timer release;

    public TimedLimitStore(LimitStore delegate, MeterRegistry registry) {
        this.delegate = delegate;
        this.consume = StoreTimers.timer(registry, "limits", "consume");
        this.acquire = StoreTimers.timer(registry, "limits", "acquire_lease");
        this.release = StoreTimers.timer(registry, "limits", "release_lease");
    }

    @Override
    public LimitOutcome[] consume(List<LimitCall> calls, long nowMillis, boolean dryRun) {
        long t0 = System.nanoTime();
        try {
            return delegate.consume(calls, nowMillis, dryRun);
        } finally {
            consume.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * The single-limit form, passed on as such: without it the interface's default wrapped every
     * one-limit check in a list and sent it down the store's general path (a list, an outcome
     * array and the group logic per check), undoing the store's own single-limit path.
     */
    @Override
    public LimitOutcome consume(LimitCall call, long nowMillis, boolean dryRun) {
        long t0 = System.nanoTime();
        try {
            return delegate.consume(call, nowMillis, dryRun);
        } finally {
            consume.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
        }
    }

    /** The time until the answer arrives, on whatever thread it arrives. */
    @Override
    public CompletableFuture<LimitOutcome[]> consumeAsync(List<LimitCall> calls, long nowMillis, boolean dryRun) {
        long t0 = System.nanoTime();
        CompletableFuture<LimitOutcome[]> answer = delegate.consumeAsync(calls, nowMillis, dryRun);
        if (answer != null) {
            answer.whenComplete((out, error) -> consume.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS));
        }
        return answer;
    }

    @Override
    public LeaseGrant acquireLease(String key, int max, long leaseMillis, long nowMillis) {
        long t0 = System.nanoTime();
        try {
            return delegate.acquireLease(key, max, leaseMillis, nowMillis);
        } finally {
            acquire.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public void releaseLease(String leaseId, long nowMillis) {
        long t0 = System.nanoTime();
        try {
            delegate.releaseLease(leaseId, nowMillis);
        } finally {
            release.record(System.nanoTime() - t0, TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public String kind() {
        return delegate.kind();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
