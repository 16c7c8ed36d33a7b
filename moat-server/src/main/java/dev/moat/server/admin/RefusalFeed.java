package dev.moat.server.admin;

import dev.moat.core.CheckRequest;
import dev.moat.core.Decision;
import dev.moat.core.MoatListener;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The live feed of refusals: a listener that keeps the last {@code capacity} refusing decisions in
 * a bounded ring and hands each new one to its subscribers (the open {@code /v1/events} streams).
 *
 * <p>How it works: one lock guards the ring, the sequence and the subscriber list. Publishing
 * appends and fans out under the lock, so every subscriber sees events in id order; subscribing
 * replays the ring after the subscriber's last seen id and registers it under the same lock, so a
 * reconnecting page misses nothing the ring still holds and sees nothing twice. Sinks must only
 * enqueue (the SSE sink hops to its connection's event loop); a sink that throws is dropped.
 * Allowed decisions and dry runs never take the lock, so the cost on the hot path is one branch.
 */
public final class RefusalFeed implements MoatListener {
    /** Default ring size: enough for a screen of history, small enough to never matter (about 100 KB). */
    public static final int DEFAULT_CAPACITY = 500;

    /**
     * What each kept refusal was made from, turned into its {@link RefusalEvent} only when someone
     * reads it: the event's subject normalises the address (a parse per refusal), which a flood of
     * refusals with nobody watching need not pay.
     */
    private final Raw[] ring;
    private final LongSupplier clock;
    private final List<Consumer<RefusalEvent>> sinks = new ArrayList<>();
    private long lastId;

    /**
     * @param capacity how many refusals to keep (at least 1)
     * @param clock    epoch milliseconds, the engine's clock
     */
    public RefusalFeed(int capacity, LongSupplier clock) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1, was " + capacity);
        }
        this.ring = new Raw[capacity];
        this.clock = clock;
    }

    @Override
    public void onDecision(CheckRequest request, Decision decision) {
        if (decision.allowed() || request.dryRun()) {
            return;
        }
        long at = clock.getAsLong();
        synchronized (this) {
            publish(new Raw(lastId + 1, at, request, decision));
        }
    }

    /**
     * One refusal as kept in the ring: the request's and decision's values the event shows, not the
     * request itself (which may hold a message's text).
     */
    private record Raw(long id, long atMillis, String action, String realm, String verdict, String reason,
                       String user, String ip, String server, String appservice, String limitId, String banSubject) {
        Raw(long id, long atMillis, CheckRequest r, Decision d) {
            this(id, atMillis, r.action(), r.realm().wire(), d.verdict().wire(),
                    d.reason() == null ? null : d.reason().wire(), r.user(), r.ip(), r.server(), r.appservice(),
                    d.limit() == null ? null : d.limit().id(), d.ban() == null ? null : d.ban().subject());
        }

        RefusalEvent event() {
            return new RefusalEvent(id, atMillis, action, realm, verdict, reason,
                    RefusalEvent.subjectOf(user, ip, server, appservice), limitId, banSubject);
        }
    }

    /** Appends a refusal whose id is {@code lastId + 1} (the lock is held). */
    private void publish(Raw raw) {
        lastId = raw.id();
        ring[(int) ((raw.id() - 1) % ring.length)] = raw;
        if (sinks.isEmpty()) {
            return;
        }
        RefusalEvent e = raw.event();
        for (int i = sinks.size() - 1; i >= 0; i--) {
            try {
                sinks.get(i).accept(e);
            } catch (RuntimeException ex) {
                sinks.remove(i);
            }
        }
    }

    /** The id of the newest refusal, 0 when there has been none. */
    public synchronized long lastId() {
        return lastId;
    }

    public int capacity() {
        return ring.length;
    }

    /** Up to {@code max} of the newest refusals, newest first. */
    public synchronized List<RefusalEvent> recent(int max) {
        int n = (int) Math.min(Math.min(max, lastId), ring.length);
        List<RefusalEvent> out = new ArrayList<>(Math.max(n, 0));
        for (long id = lastId; id > lastId - n; id--) {
            out.add(ring[(int) ((id - 1) % ring.length)].event());
        }
        return out;
    }

    /** A registered sink; {@link #close()} unregisters it (idempotent). */
    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Replays to {@code sink} every refusal still in the ring with an id above {@code afterId}
     * (oldest first), then delivers each new one as it happens. A negative {@code afterId} (live
     * only), or {@link #lastId()} or more, replays nothing; an id the ring has overwritten replays
     * what is left.
     */
    public synchronized Subscription subscribe(long afterId, Consumer<RefusalEvent> sink) {
        long from = afterId < 0 ? lastId + 1 : Math.max(afterId + 1, Math.max(1, lastId - ring.length + 1));
        for (long id = from; id <= lastId; id++) {
            sink.accept(ring[(int) ((id - 1) % ring.length)].event());
        }
        sinks.add(sink);
        return () -> {
            synchronized (RefusalFeed.this) {
                sinks.remove(sink);
            }
        };
    }

    /** Open subscriptions. */
    public synchronized int subscribers() {
        return sinks.size();
    }
}
