package dev.moat.server.http;

import dev.moat.core.store.LeaseGrant;
import dev.moat.core.store.LimitCall;
import dev.moat.core.store.LimitOutcome;
import dev.moat.core.store.LimitStore;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;

/**
 * A limit store that talks over the network (Redis) as decisions see it: no event loop ever waits
 * for a round trip. A consume from an event-loop thread hands its calls to the store's
 * non-blocking form and throws {@link CountersPending}, carrying the answer to come; the decision
 * is then made again on the loop when it arrives ({@link #replaying}), and this time the same
 * consume is answered with it. Anything the non-blocking form cannot take (leases, calls on
 * several cluster slots, a global budget in slices) throws {@link Offload.OnWorker} before it
 * reaches Redis, as {@link LoopGuard} does for the durable store, and the decision runs on a worker.
 */
public final class LoopGuardLimits implements LimitStore {
    /** The answer a decision made again on this thread is to be given, while it is made. */
    private static final ThreadLocal<Replay> REPLAY = new ThreadLocal<>();

    private final LimitStore delegate;

    public LoopGuardLimits(LimitStore delegate) {
        this.delegate = delegate;
    }

    /**
     * Thrown on an event loop by the first consume of a decision: the calls went to the store
     * without waiting, and {@link #answer} completes with its outcomes (or fails). Before it, the
     * decision changed nothing (the engine's only side effect before its counters is durable
     * state, which {@link LoopGuard} keeps off the loop), so it can be made again from the start.
     */
    public static final class CountersPending extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final transient CompletableFuture<LimitOutcome[]> answer;
        private final transient List<LimitCall> calls;
        private final boolean dryRun;

        CountersPending(CompletableFuture<LimitOutcome[]> answer, List<LimitCall> calls, boolean dryRun) {
            super("limit counters requested from an event loop; decided again when they answer", null, false, false);
            this.answer = answer;
            this.calls = calls;
            this.dryRun = dryRun;
        }

        public CompletableFuture<LimitOutcome[]> answer() {
            return answer;
        }
    }

    /** The answer for one decision made again, used at most once. */
    private static final class Replay {
        final CountersPending pending;
        final LimitOutcome[] outcomes;
        boolean used;

        Replay(CountersPending pending, LimitOutcome[] outcomes) {
            this.pending = pending;
            this.outcomes = outcomes;
        }

        /** True for the very calls the first attempt made: same keys, limiters, costs and dry run. */
        boolean matches(List<LimitCall> calls, boolean dryRun) {
            List<LimitCall> first = pending.calls;
            if (used || dryRun != pending.dryRun || calls.size() != first.size()) {
                return false;
            }
            for (int i = 0; i < calls.size(); i++) {
                LimitCall a = calls.get(i);
                LimitCall b = first.get(i);
                if (a.limiter() != b.limiter() || a.cost() != b.cost() || !a.key().equals(b.key())) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * Makes {@code decision} again on this thread with {@code outcomes}, the answer to the calls of
     * {@code pending}. A consume that is not those same calls (a reload in between changed the
     * limits), or a second one, throws {@link Offload.OnWorker}: the decision then goes to a worker.
     */
    static <T> T replaying(CountersPending pending, LimitOutcome[] outcomes, Callable<T> decision) throws Exception {
        Replay before = REPLAY.get();
        REPLAY.set(new Replay(pending, outcomes));
        try {
            return decision.call();
        } finally {
            REPLAY.set(before);
        }
    }

    @Override
    public LimitOutcome[] consume(List<LimitCall> calls, long nowMillis, boolean dryRun) {
        if (!Offload.onLoop()) {
            return delegate.consume(calls, nowMillis, dryRun);
        }
        return onLoop(calls, nowMillis, dryRun);
    }

    /** The single-limit form, passed on as such off the loop, so the store's own answer to it is kept. */
    @Override
    public LimitOutcome consume(LimitCall call, long nowMillis, boolean dryRun) {
        if (!Offload.onLoop()) {
            return delegate.consume(call, nowMillis, dryRun);
        }
        return onLoop(List.of(call), nowMillis, dryRun)[0];
    }

    private LimitOutcome[] onLoop(List<LimitCall> calls, long nowMillis, boolean dryRun) {
        Replay replay = REPLAY.get();
        if (replay != null) {
            if (!replay.matches(calls, dryRun)) {
                throw Offload.OnWorker.INSTANCE;
            }
            replay.used = true;
            return replay.outcomes;
        }
        CompletableFuture<LimitOutcome[]> answer = delegate.consumeAsync(calls, nowMillis, dryRun);
        if (answer == null) {
            throw Offload.OnWorker.INSTANCE;
        }
        throw new CountersPending(answer, calls, dryRun);
    }

    /** Passed on: it never makes its caller wait. */
    @Override
    public CompletableFuture<LimitOutcome[]> consumeAsync(List<LimitCall> calls, long nowMillis, boolean dryRun) {
        return delegate.consumeAsync(calls, nowMillis, dryRun);
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
