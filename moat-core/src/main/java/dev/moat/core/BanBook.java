package dev.moat.core;

import dev.moat.core.ban.Ban;
import dev.moat.core.identity.Cidr;
import dev.moat.core.identity.CidrSet;
import dev.moat.core.identity.IpAddress;

import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The active bans, in memory: every decision consults this and never the disk. Exact subjects
 * sit in a hash map; CIDR bans (including IPv6 prefix bans) in a {@link CidrSet}, so the lookup
 * costs one probe per distinct prefix length. Expired bans are ignored on read and dropped lazily.
 * The durable copy is the {@code StateStore}; this is loaded from it at start and kept in step by
 * the engine (and, in a fleet, by ban propagation).
 */
final class BanBook {
    /** The book is purged of expired exact bans when it reaches this size, and then at twice what is left. */
    static final int PURGE_MIN = 1024;

    private final ConcurrentHashMap<String, Ban> exact = new ConcurrentHashMap<>();
    private final AtomicInteger purgeAt = new AtomicInteger(PURGE_MIN);
    private final ConcurrentHashMap<Cidr, Ban> byCidr = new ConcurrentHashMap<>();
    private final CidrSet cidrs = new CidrSet();

    void load(List<Ban> bans) {
        exact.clear();
        // empty the index before the map it is read from (the other order left every old block in it)
        for (Cidr c : List.copyOf(byCidr.keySet())) {
            cidrs.remove(c);
        }
        byCidr.clear();
        bans.forEach(this::put);
    }

    void put(Ban ban) {
        if (ban.subject().startsWith("cidr:")) {
            Cidr c = Cidr.parse(ban.subject().substring(5));
            byCidr.put(c, ban);
            cidrs.add(c);
        } else {
            exact.put(ban.subject(), ban);
        }
    }

    /**
     * Adds a ban as of {@code nowMillis}. The bans of subjects that never come back are never read
     * again, so reading cannot drop them once they expire: whenever the book has doubled since the
     * last purge, the expired ones are dropped here (amortised O(1) a ban, and the book holds at
     * most about twice the bans in force).
     */
    void put(Ban ban, long nowMillis) {
        put(ban);
        if (exact.size() >= purgeAt.get()) {
            purgeExpired(nowMillis);
            purgeAt.set(Math.max(PURGE_MIN, 2 * exact.size()));
        }
    }

    /** Drops the exact bans expired at {@code nowMillis} (removal is conditional: a newer ban of a subject stays). */
    void purgeExpired(long nowMillis) {
        exact.values().removeIf(b -> !b.activeAt(nowMillis));
    }

    /** Bans in force at {@code nowMillis}; the expired exact ones are dropped on the way. */
    int activeCount(long nowMillis) {
        purgeExpired(nowMillis);
        int n = exact.size();
        for (Ban b : byCidr.values()) {
            if (b.activeAt(nowMillis)) {
                n++;
            }
        }
        return n;
    }

    void remove(String subject) {
        if (subject.startsWith("cidr:")) {
            Cidr c = Cidr.parse(subject.substring(5));
            byCidr.remove(c);
            cidrs.remove(c);
        } else {
            exact.remove(subject);
        }
    }

    Ban get(String subject, long nowMillis) {
        Ban b;
        if (subject.startsWith("cidr:")) {
            b = byCidr.get(Cidr.parse(subject.substring(5)));
        } else {
            b = exact.get(subject);
        }
        return b != null && b.activeAt(nowMillis) ? b : null;
    }

    /**
     * The active ban that lasts longest among the given subjects and every CIDR ban containing
     * {@code ip}; {@code ipSubject} is {@code ip:<address>} of {@code ip}, made once per request
     * (Identity keeps it).
     */
    Ban find(String user, IpAddress ip, String ipSubject, String server, String appservice, long nowMillis) {
        Ban best = null;
        best = longer(best, exactActive(user, nowMillis));
        best = longer(best, exactActive(server, nowMillis));
        best = longer(best, exactActive(appservice, nowMillis));
        if (ip != null) {
            best = longer(best, exactActive(ipSubject, nowMillis));
            if (!byCidr.isEmpty()) {
                for (Cidr c : cidrs.matching(ip)) {
                    Ban b = byCidr.get(c);
                    if (b != null && b.activeAt(nowMillis)) {
                        best = longer(best, b);
                    }
                }
            }
        }
        return best;
    }

    private Ban exactActive(String subject, long nowMillis) {
        if (subject == null) {
            return null;
        }
        Ban b = exact.get(subject);
        if (b == null) {
            return null;
        }
        if (!b.activeAt(nowMillis)) {
            exact.remove(subject, b);
            return null;
        }
        return b;
    }

    private static Ban longer(Ban a, Ban b) {
        if (a == null) {
            return b;
        }
        if (b == null) {
            return a;
        }
        return b.expiresAtMillis() > a.expiresAtMillis() ? b : a;
    }

    /** Blocks in the CIDR index (each distinct prefix length costs every lookup a probe). */
    int cidrIndexSize() {
        return cidrs.size();
    }

    int size() {
        return exact.size() + byCidr.size();
    }
}
