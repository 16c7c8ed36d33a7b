package dev.moat.redis;

import dev.moat.core.ban.Ban;

/**
 * What another node of the fleet decided that this node's open connections must act on (the
 * gateway closes sockets with them). Called by {@link RedisBanPropagation} on Lettuce's thread,
 * after a remote ban is already in this node's ban book: implementations must be quick and must
 * not throw (exceptions are caught and dropped).
 */
public interface RemoteEvents {

    /** A ban started on another node. */
    default void onRemoteBan(Ban ban) {
    }

    /** Another node kicked {@code user} (a link-spam kick, or a ban of a connected user). */
    default void onRemoteKick(String user, String reason) {
    }

    /** An operator asked another node to disconnect {@code user} everywhere now. */
    default void onRemoteDisconnect(String user, String reason) {
    }
}
