/**
 * Who a request comes from: IP addresses and CIDR blocks parsed and normalised without DNS
 * ({@link dev.moat.core.identity.IpAddress}, {@link dev.moat.core.identity.Cidr},
 * {@link dev.moat.core.identity.CidrSet}), the subjects that bans, scores and counters belong to
 * ({@link dev.moat.core.identity.Subject}), and the client address behind trusted proxies
 * ({@link dev.moat.core.identity.ClientAddressResolver}).
 *
 * <p>Everything here parses untrusted text in time linear in a small bounded prefix of it, and
 * reports bad input as {@link java.lang.IllegalArgumentException} with a message that quotes the
 * (truncated, escaped) input.
 */
package dev.moat.core.identity;
