package dev.moat.core;

import dev.moat.core.ban.Ban;

/**
 * Events for metrics, logs, webhooks and propagation between nodes. Every method has an empty
 * default; the engine skips listener work entirely when none is registered. Listeners run on the
 * deciding thread: they must be quick and must not throw (exceptions are caught and dropped).
 */
public interface MoatListener {

    /** Every decision that was made (dry runs included). */
    default void onDecision(CheckRequest request, Decision decision) {
    }

    /** A violation was recorded. */
    default void onViolation(ViolationRecord violation, CheckRequest requestOrNull) {
    }

    /** A ban started (rule or operator). {@code actor} is {@code moat} or the API key's name. */
    default void onBanStarted(Ban ban) {
    }

    /** A ban was lifted by an operator. */
    default void onBanLifted(String subject, String actor, String reason) {
    }

    /** A user is to be disconnected (link-spam kick, or a ban of a connected user). */
    default void onKick(String user, String reason) {
    }

    /** A message matched a {@code report} filter, or was kicked or banned for content. */
    default void onReport(String kind, CheckRequest request, Decision decision) {
    }
}
