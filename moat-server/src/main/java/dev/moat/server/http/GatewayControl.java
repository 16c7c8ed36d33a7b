package dev.moat.server.http;

import java.util.concurrent.CompletionStage;

/** What the API may ask of the gateway (implemented by the composition root). */
public interface GatewayControl {

    /**
     * What "disconnect this user now" did.
     *
     * @param closedHere     connections of the user this node's gateway closed (0 without a gateway)
     * @param gatewayHere    whether this node runs a gateway
     * @param broadcast      whether the other nodes of the fleet were told (false on a single node,
     *                       or when the fleet's channel did not take the message)
     * @param broadcastError why the other nodes could not be told; null when they were, or when
     *                       there are none
     */
    record Disconnected(int closedHere, boolean gatewayHere, boolean broadcast, String broadcastError) {
    }

    /**
     * Closes every connection of {@code user} on this node and asks every other node of the fleet
     * to do the same. Completes once the fleet's channel took (or refused) the message; never fails.
     */
    CompletionStage<Disconnected> disconnectUser(String user, String reason);
}
