package dev.moat.core;

import dev.moat.core.identity.IpAddress;
import dev.moat.core.identity.Subject;
import dev.moat.core.policy.By;
import dev.moat.core.store.LimitCall;

import java.util.Locale;

/**
 * Who a request is about, parsed and normalised once: canonical subject strings for the user,
 * server and appservice, the IP (and its key: an IPv6 address counts by its ban prefix, so one
 * /64 cannot rotate through addresses to escape a limit), and the lower-cased email.
 */
final class Identity {
    final String userId;
    final String user;
    final IpAddress ip;
    final String ipKey;
    /** {@code ip:<address>}, the subject an address is banned under (ipKey when that is the address itself). */
    final String ipSubject;
    final String server;
    final String appservice;
    final String email;
    /** The limit calls kept for the next checks of the same subjects: only for a memo's identity, else null. */
    final KeptCalls calls;

    private Identity(String userId, String user, IpAddress ip, String ipKey, String server, String appservice,
                     String email, KeptCalls calls) {
        this.userId = userId;
        this.user = user;
        this.ip = ip;
        this.ipKey = ipKey;
        this.ipSubject = ip == null ? null : ipKey.startsWith("ip:") ? ipKey : "ip:" + ip;
        this.server = server;
        this.appservice = appservice;
        this.email = email;
        this.calls = calls;
    }

    static Identity of(CheckRequest r, CompiledPolicy p) {
        return of(r, p, false);
    }

    /** {@code keepCalls}: the identity will be reused for many checks ({@link IdentityMemo}), so it keeps its limit calls. */
    static Identity of(CheckRequest r, CompiledPolicy p, boolean keepCalls) {
        if (r.action() == null || r.action().isEmpty()) {
            throw new InvalidRequestException("action", "is required");
        }
        String user = subject("user", r.user(), Subject.Kind.USER);
        String server = subject("server", r.server(), Subject.Kind.SERVER);
        String appservice = subject("appservice", r.appservice(), Subject.Kind.APPSERVICE);
        IpAddress ip = null;
        String ipKey = null;
        if (r.ip() != null) {
            try {
                ip = IpAddress.parse(r.ip());
            } catch (IllegalArgumentException e) {
                throw new InvalidRequestException("ip", e.getMessage());
            }
            ipKey = ip.prefixKey(p.policy.bans().ipv6Prefix()).toString();
        }
        if (user == null && ip == null && server == null && appservice == null) {
            throw new InvalidRequestException("user", "at least one of user, ip, server, appservice is required");
        }
        String email = null;
        if (r.email() != null) {
            if (r.email().isEmpty() || r.email().length() > 320) {
                throw new InvalidRequestException("email", "must be 1 to 320 characters");
            }
            email = r.email().trim().toLowerCase(Locale.ROOT);
        }
        return new Identity(r.user(), user, ip, ipKey, server, appservice, email, keepCalls ? new KeptCalls() : null);
    }

    private static String subject(String field, String id, Subject.Kind kind) {
        if (id == null) {
            return null;
        }
        try {
            return Subject.parse(kind.prefix() + ":" + id).toString();
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(field, e.getMessage());
        }
    }

    /** The counter key for a per-target limit keyed {@code by}, or null when the request lacks it. */
    String keyFor(By by) {
        return switch (by) {
            case TARGET -> user != null ? user : appservice != null ? appservice : server != null ? server : ipKey;
            case IP -> ipKey;
            case USER -> user;
            case EMAIL -> email == null ? null : "email:" + email;
            case SERVER -> server;
            case APPSERVICE -> appservice;
        };
    }

    /** The call of {@code limit} on {@code subjectKey}: a kept one for a memo's identity, else a new one. */
    LimitCall call(CompiledPolicy.CompiledLimit limit, String subjectKey, long cost) {
        return calls == null ? new LimitCall(limit.keys(), subjectKey, limit.limiter(), cost)
                : calls.call(limit, subjectKey, cost);
    }
}
