package dev.moat.core.identity;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A thread-safe set of {@link Cidr} blocks that answers "which blocks contain this address?" in
 * time proportional to the number of distinct prefix lengths present, not the number of blocks.
 * Used for trusted proxies, exemptions and CIDR bans.
 *
 * <p>Reads take no lock and never block; writes are serialised. A read that runs concurrently
 * with a write sees the set either before or after that write; once {@link #add} or
 * {@link #remove} has returned, every later read sees its effect.
 */
public final class CidrSet {

    /*
     * How it works and why.
     *
     * For each family and each prefix length p there is a ConcurrentHashMap from network address
     * (the block's first address) to the block. An address is inside some /p block of the set
     * exactly when the address masked to p bits is a key of the /p map. So a lookup masks the
     * address once per prefix length present and does one hash probe each: at most 33 probes for
     * IPv4 and 129 for IPv6 however many blocks are stored, and in practice a handful (bans are
     * /32, /64 and /128; proxies a few /8../32). A linear scan over blocks would make every
     * request pay for every CIDR ban ever issued.
     *
     * Which prefix lengths are present is an immutable int[] (longest first), published through
     * a volatile field and replaced, under the write lock, only when a length appears or
     * disappears. The per-length maps are created lazily under the lock and never discarded, so a
     * reader holding an old length array still finds a (possibly empty) map in every slot it
     * looks at. The volatile write of the length array orders the creation of a map before any
     * read that can reach it.
     */

    private static final int[] NONE = new int[0];

    private final Family v4 = new Family(32);
    private final Family v6 = new Family(128);
    private final Object writeLock = new Object();
    private volatile int size;

    /** An empty set. */
    public CidrSet() {
    }

    /** A set holding these blocks. */
    public static CidrSet of(Collection<Cidr> blocks) {
        CidrSet set = new CidrSet();
        for (Cidr block : blocks) {
            set.add(block);
        }
        return set;
    }

    /** A set holding these blocks. */
    public static CidrSet of(Cidr... blocks) {
        return of(List.of(blocks));
    }

    /** Adds {@code block}; returns false if it was already present. */
    public boolean add(Cidr block) {
        Objects.requireNonNull(block, "block");
        Family family = block.isV4() ? v4 : v6;
        int prefix = block.prefixBits();
        synchronized (writeLock) {
            ConcurrentHashMap<IpAddress, Cidr> map = family.maps.get(prefix);
            if (map == null) {
                map = new ConcurrentHashMap<>();
                family.maps.set(prefix, map);
            }
            if (map.putIfAbsent(block.network(), block) != null) {
                return false;
            }
            if (map.size() == 1) {
                family.prefixes = withPrefix(family.prefixes, prefix);
            }
            size++;
            return true;
        }
    }

    /** Removes {@code block}; returns false if it was not present. */
    public boolean remove(Cidr block) {
        Objects.requireNonNull(block, "block");
        Family family = block.isV4() ? v4 : v6;
        int prefix = block.prefixBits();
        synchronized (writeLock) {
            ConcurrentHashMap<IpAddress, Cidr> map = family.maps.get(prefix);
            if (map == null || map.remove(block.network()) == null) {
                return false;
            }
            if (map.isEmpty()) {
                family.prefixes = withoutPrefix(family.prefixes, prefix);
            }
            size--;
            return true;
        }
    }

    /** True when {@code block} itself (not merely a block covering it) is a member. */
    public boolean has(Cidr block) {
        ConcurrentHashMap<IpAddress, Cidr> map = (block.isV4() ? v4 : v6).maps.get(block.prefixBits());
        return map != null && map.containsKey(block.network());
    }

    /** True when some member contains {@code address}. */
    public boolean contains(IpAddress address) {
        return longestMatch(address) != null;
    }

    /** The most specific member containing {@code address} (longest prefix), or null. */
    public Cidr longestMatch(IpAddress address) {
        Family family = address.isV4() ? v4 : v6;
        for (int prefix : family.prefixes) {
            Cidr hit = family.maps.get(prefix).get(address.masked(prefix));
            if (hit != null) {
                return hit;
            }
        }
        return null;
    }

    /** Every member containing {@code address}, most specific (longest prefix) first. */
    public List<Cidr> matching(IpAddress address) {
        Family family = address.isV4() ? v4 : v6;
        List<Cidr> out = null;
        for (int prefix : family.prefixes) {
            Cidr hit = family.maps.get(prefix).get(address.masked(prefix));
            if (hit != null) {
                if (out == null) {
                    out = new ArrayList<>(2);
                }
                out.add(hit);
            }
        }
        return out == null ? List.of() : Collections.unmodifiableList(out);
    }

    /** How many blocks the set holds. */
    public int size() {
        return size;
    }

    /** True when the set holds no block. */
    public boolean isEmpty() {
        return size == 0;
    }

    /**
     * A snapshot of the members: IPv4 then IPv6, longest prefix first. Weakly consistent with
     * concurrent writes.
     */
    public List<Cidr> members() {
        List<Cidr> out = new ArrayList<>(size);
        for (Family family : new Family[] {v4, v6}) {
            for (int prefix : family.prefixes) {
                out.addAll(family.maps.get(prefix).values());
            }
        }
        return List.copyOf(out);
    }

    @Override
    public String toString() {
        return members().toString();
    }

    private static int[] withPrefix(int[] prefixes, int prefix) {
        int[] out = new int[prefixes.length + 1];
        int j = 0;
        boolean placed = false;
        for (int p : prefixes) {
            if (!placed && prefix > p) {
                out[j++] = prefix;
                placed = true;
            }
            out[j++] = p;
        }
        if (!placed) {
            out[j] = prefix;
        }
        return out;
    }

    private static int[] withoutPrefix(int[] prefixes, int prefix) {
        if (prefixes.length == 1) {
            return NONE;
        }
        int[] out = new int[prefixes.length - 1];
        int j = 0;
        for (int p : prefixes) {
            if (p != prefix) {
                out[j++] = p;
            }
        }
        return out;
    }

    /** The maps of one address family, indexed by prefix length. */
    private static final class Family {
        final AtomicReferenceArray<ConcurrentHashMap<IpAddress, Cidr>> maps;
        volatile int[] prefixes = NONE; // lengths whose map is non-empty, longest first

        Family(int bits) {
            maps = new AtomicReferenceArray<>(bits + 1);
        }
    }
}
