package dev.moat.server;

import dev.moat.core.ban.Ban;
import dev.moat.redis.RemoteEvents;
import dev.moat.server.gateway.Gateway;
import dev.moat.server.http.GatewayControl;

import java.util.concurrent.CompletionStage;

/**
 * Joins this node's gateway to the fleet. Outward: "disconnect this user now" from the API
 * closes the user's connections here and is broadcast to the other nodes. Inward: bans, kicks and
 * disconnects decided on other nodes close the matching connections here. The gateway is attached
 * after it starts (the API listens first); until then, and on a node without one, only the
 * broadcast happens.
 */
final class FleetGateway implements GatewayControl, RemoteEvents {
    private final Fleet fleet;
    private volatile Gateway gateway;

    FleetGateway(Fleet fleet) {
        this.fleet = fleet;
        fleet.deliverTo(this);
    }

    void attach(Gateway started) {
        this.gateway = started;
    }

    @Override
    public CompletionStage<Disconnected> disconnectUser(String user, String reason) {
        Gateway gw = gateway;
        int closed = gw == null ? 0 : gw.disconnectUser(user, reason);
        if (!fleet.spansNodes()) {
            return java.util.concurrent.CompletableFuture.completedFuture(new Disconnected(closed, gw != null, false, null));
        }
        return fleet.broadcastDisconnect(user, reason).handle((v, e) -> e == null
                ? new Disconnected(closed, gw != null, true, null)
                : new Disconnected(closed, gw != null, false, "the fleet's channel did not take the message: "
                        + rootMessage(e)));
    }

    @Override
    public void onRemoteBan(Ban ban) {
        Gateway gw = gateway;
        if (gw != null) {
            gw.closeForBan(ban);
        }
    }

    @Override
    public void onRemoteKick(String user, String reason) {
        Gateway gw = gateway;
        if (gw != null) {
            gw.closeForKick(user, reason);
        }
    }

    @Override
    public void onRemoteDisconnect(String user, String reason) {
        Gateway gw = gateway;
        if (gw != null) {
            gw.disconnectUser(user, reason);
        }
    }

    private static String rootMessage(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) {
            r = r.getCause();
        }
        return r.getMessage() == null ? r.getClass().getSimpleName() : r.getMessage();
    }
}
