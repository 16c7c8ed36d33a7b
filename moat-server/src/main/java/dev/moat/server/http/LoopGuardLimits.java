package dev.moat.server.http;

import dev.moat.core.store.LeaseGrant;
import dev.moat.core.store.LimitCall;
import dev.moat.core.store.LimitOutcome;
import dev.moat.core.store.LimitStore;

import java.util.List;

/**
 * A limit store that talks over the network (Redis) as decisions see it: like {@link LoopGuard}
 * for the durable store, a call from an event-loop thread throws {@link Offload.OnWorker} before
 * it reaches Redis, so the decision runs on a worker and no event loop ever waits for a round trip.
 */
public final class LoopGuardLimits implements LimitStore {
    private final LimitStore delegate;

    public LoopGuardLimits(LimitStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public LimitOutcome[] consume(List<LimitCall> calls, long nowMillis, boolean dryRun) {
        Offload.offLoop();
        return delegate.consume(calls, nowMillis, dryRun);
    }

    /** The single-limit form, passed on as such, so the store's own answer to it is kept. */
    @Override
    public LimitOutcome consume(LimitCall call, long nowMillis, boolean dryRun) {
        Offload.offLoop();
        return delegate.consume(call, nowMillis, dryRun);
    }

    @Override
    public LeaseGrant acquireLease(String key, int max, long leaseMillis, long nowMillis) {
        Offload.offLoop();
        return delegate.acquireLease(key, max, leaseMillis, nowMillis);
    }

    @Override
    public void releaseLease(String leaseId, long nowMillis) {
        Offload.offLoop();
        delegate.releaseLease(leaseId, nowMillis);
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
