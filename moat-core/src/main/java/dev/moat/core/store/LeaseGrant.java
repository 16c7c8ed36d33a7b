package dev.moat.core.store;

/**
 * The answer to a concurrency-lease acquire.
 *
 * @param allowed          a lease was granted
 * @param leaseId          opaque id to release it with (null when refused)
 * @param expiresAtMillis  when the lease lapses by itself (when granted)
 * @param inFlight         leases in force for the key after this call
 * @param retryAfterMillis when refused: time until the oldest lease expires
 */
public record LeaseGrant(boolean allowed, String leaseId, long expiresAtMillis, int inFlight, long retryAfterMillis) {
}
