package dev.moat.server;

import dev.moat.core.identity.Cidr;
import dev.moat.core.identity.CidrSet;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code server.trusted_proxies} as a live {@link CidrSet}: the {@code ClientAddressResolver}
 * built from it at start reads the set live, so a reload only updates its members.
 */
final class TrustedProxies {
    private TrustedProxies() {
    }

    /** Parses every entry; throws IllegalArgumentException naming the bad one. */
    static List<Cidr> parse(List<String> entries) {
        List<Cidr> out = new ArrayList<>(entries.size());
        for (int i = 0; i < entries.size(); i++) {
            try {
                out.add(Cidr.parse(entries.get(i).trim()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("server.trusted_proxies[" + i + "]: " + e.getMessage());
            }
        }
        return out;
    }

    /** Makes {@code set} hold exactly {@code blocks}. */
    static void sync(CidrSet set, List<Cidr> blocks) {
        Set<Cidr> wanted = new HashSet<>(blocks);
        for (Cidr c : set.members()) {
            if (!wanted.contains(c)) {
                set.remove(c);
            }
        }
        for (Cidr c : wanted) {
            set.add(c);
        }
    }
}
