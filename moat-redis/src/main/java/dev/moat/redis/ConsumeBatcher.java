package dev.moat.redis;

import io.lettuce.core.ScriptOutputType;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/*
 * How it works and why.
 *
 * Coalescing: the checks that concurrent callers send to one hash slot while an earlier call to
 * that slot is in flight wait in the slot's lane, and leave together as one consume script (one
 * command, one round trip) when a reply frees the lane. consume.lua runs the checks of a batch one
 * after another, each with the semantics of a script of its own (spend in order until the first
 * refusal, then refund what that check spent), so every check stays atomic and exact; only the
 * order among concurrent checks, which no caller can observe anyway, is the lane's.
 *
 * What it saves: Redis's fixed cost per command (reading and parsing the command, setting up the
 * script's KEYS and ARGV, the reply, the socket reads and writes) and the client's (one Lettuce
 * command, its encoding, its reply decoding, its timeout) are paid once per batch instead of once
 * per check; the functions a script defines are created once per batch. A lone check is never
 * held back: when nothing is in flight on its slot it leaves at once, alone, so latency at low load
 * is one round trip as before. Under load a check waits at most for the round trip in flight.
 *
 * At most `inFlight` calls per lane are outstanding; the reply of one sends the next batch (from
 * Lettuce's event loop, before the callers of the finished batch are woken, so Redis works while
 * they run). A batch holds at most MAX_CALLS counter keys, which bounds how long one script keeps
 * Redis busy. Slots: a cluster script may only touch one slot, so the lanes are per slot (every
 * key of a standalone server is slot 0: one lane).
 *
 * Failure: a failed or timed-out call fails every check in it, and each caller turns that into
 * RedisUnavailableException as before (the failover wrapper then answers). A caller stops waiting
 * at its own deadline whatever the lane does; a check still queued when its caller's deadline
 * passed is dropped instead of sent, so a stalled lane does not later spend units for callers that
 * were already answered from the fallback. A check that was sent may still run after its caller
 * gave up: that unit is counted in Redis too, stricter, never looser (docs/redis.md).
 */

/** Coalesces concurrent consume checks per hash slot into one consume script call. */
final class ConsumeBatcher {
    /** Counter keys per batch at most. */
    static final int MAX_CALLS = 64;
    private static final int SLOTS = 16384;

    /** One check waiting for, or riding in, a batch: the future its caller waits on. */
    static final class Pending extends CompletableFuture<List<Object>> implements ConsumeArgs.Check {
        final List<RedisLimitStore.Prepared> calls;
        final long now;
        final boolean dry;
        final long deadlineNanos;

        Pending(List<RedisLimitStore.Prepared> calls, long now, boolean dry, long deadlineNanos) {
            this.calls = calls;
            this.now = now;
            this.dry = dry;
            this.deadlineNanos = deadlineNanos;
        }

        @Override
        public List<RedisLimitStore.Prepared> calls() {
            return calls;
        }

        @Override
        public long now() {
            return now;
        }

        @Override
        public boolean dry() {
            return dry;
        }
    }

    /** The checks of one slot waiting for a batch, and how many calls of that slot are in flight. */
    private static final class Lane {
        final ArrayDeque<Pending> queue = new ArrayDeque<>();
        int inFlight;
    }

    private final RedisConnection redis;
    private final String slack;
    private final int inFlight;
    private final AtomicReferenceArray<Lane> lanes = new AtomicReferenceArray<>(SLOTS);
    private final LongAdder batches = new LongAdder();
    private final LongAdder checks = new LongAdder();

    /**
     * @param inFlight calls per slot outstanding at most (at least 1)
     */
    ConsumeBatcher(RedisConnection redis, String slack, int inFlight) {
        if (inFlight < 1) {
            throw new IllegalArgumentException("in-flight calls per slot must be at least 1, was " + inFlight);
        }
        this.redis = redis;
        this.slack = slack;
        this.inFlight = inFlight;
    }

    /** Sends the check (alone, or with others of its slot); the future holds its four numbers per call. */
    CompletableFuture<List<Object>> submit(int slot, List<RedisLimitStore.Prepared> calls, long now, boolean dry,
                                           long deadlineNanos) {
        Pending p = new Pending(calls, now, dry, deadlineNanos);
        Lane lane = lane(slot);
        List<Pending> batch;
        synchronized (lane) {
            lane.queue.add(p);
            if (lane.inFlight >= inFlight) {
                return p;
            }
            lane.inFlight++;
            batch = take(lane);
        }
        send(lane, batch);
        return p;
    }

    /** Calls sent and the checks they carried, since start (checks / batches: the mean batch). */
    long[] counts() {
        return new long[] {batches.sum(), checks.sum()};
    }

    /** Checks waiting in the lane of {@code slot} (for tests). */
    int queued(int slot) {
        Lane lane = lanes.get(slot);
        if (lane == null) {
            return 0;
        }
        synchronized (lane) {
            return lane.queue.size();
        }
    }

    private Lane lane(int slot) {
        Lane lane = lanes.get(slot);
        if (lane == null) {
            lanes.compareAndSet(slot, null, new Lane());
            lane = lanes.get(slot);
        }
        return lane;
    }

    /**
     * The next batch from the lane's queue (the caller holds the lane and has counted the call in
     * flight); null, with the count given back, when nothing is left to send.
     */
    private List<Pending> take(Lane lane) {
        List<Pending> batch = null;
        int keys = 0;
        long now = System.nanoTime();
        while (!lane.queue.isEmpty()) {
            Pending p = lane.queue.peek();
            int n = p.calls.size();
            if (batch != null && keys + n > MAX_CALLS) {
                break;
            }
            lane.queue.poll();
            if (now - p.deadlineNanos > 0) {
                // its caller has given up and been answered otherwise: do not spend for it
                p.completeExceptionally(new RedisUnavailableException("redis did not answer in time"));
                continue;
            }
            if (batch == null) {
                batch = new ArrayList<>(Math.min(lane.queue.size() + 1, 16));
            }
            batch.add(p);
            keys += n;
        }
        if (batch == null) {
            lane.inFlight--;
        }
        return batch;
    }

    private void send(Lane lane, List<Pending> batch) {
        if (batch == null) {
            return;
        }
        ConsumeArgs.Call args = ConsumeArgs.of(slack, batch);
        batches.increment();
        checks.add(batch.size());
        CompletableFuture<List<Object>> call = redis.script(args.script(), ScriptOutputType.MULTI, args.keys(), args.argv());
        call.whenComplete((reply, error) -> {
            List<Pending> next;
            synchronized (lane) {
                next = take(lane); // null (and the lane's count given back) when nothing waits
            }
            send(lane, next);
            deliver(batch, reply, error);
        });
    }

    private static void deliver(List<Pending> batch, List<Object> reply, Throwable error) {
        if (error != null) {
            for (Pending p : batch) {
                p.completeExceptionally(error);
            }
            return;
        }
        int off = 0;
        for (Pending p : batch) {
            int n = 4 * p.calls.size();
            if (reply == null || reply.size() < off + n) {
                p.completeExceptionally(new RedisUnavailableException("redis answered a batch with "
                        + (reply == null ? 0 : reply.size()) + " values"));
            } else {
                p.complete(reply.subList(off, off + n));
            }
            off += n;
        }
    }
}
