package dev.moat.server;

import dev.moat.redis.RedisBanPropagation;
import dev.moat.redis.RemoteEvents;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * This node's line to the other nodes of a fleet: ban propagation, and the kicks and operator
 * disconnects the gateway acts on. With Redis stores it is {@link RedisBanPropagation}'s
 * channel; a single node (SQLite or memory) has nobody to tell, and {@link #spansNodes()} is
 * false.
 */
final class Fleet implements AutoCloseable {
    private final RedisBanPropagation propagation;

    private Fleet(RedisBanPropagation propagation) {
        this.propagation = propagation;
    }

    static Fleet singleNode() {
        return new Fleet(null);
    }

    static Fleet overRedis(RedisBanPropagation propagation) {
        return new Fleet(propagation);
    }

    /** Whether there may be other nodes to tell. */
    boolean spansNodes() {
        return propagation != null;
    }

    /**
     * Asks every other node to disconnect {@code user} now. Completes when Redis took the message;
     * fails when it could not (the message is not kept for later). A single node completes at once.
     */
    CompletionStage<Void> broadcastDisconnect(String user, String reason) {
        return propagation == null ? CompletableFuture.completedFuture(null) : propagation.publishDisconnect(user, reason);
    }

    /** Hands what other nodes decide (bans, kicks, disconnects) to {@code events}. */
    void deliverTo(RemoteEvents events) {
        if (propagation != null) {
            propagation.addRemoteEvents(events);
        }
    }

    @Override
    public void close() {
        if (propagation != null) {
            propagation.close();
        }
    }
}
