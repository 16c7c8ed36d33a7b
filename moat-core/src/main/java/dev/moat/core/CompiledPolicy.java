package dev.moat.core;

import dev.moat.core.content.FilterSet;
import dev.moat.core.identity.Cidr;
import dev.moat.core.identity.CidrSet;
import dev.moat.core.identity.IpAddress;
import dev.moat.core.identity.Subject;
import dev.moat.core.limit.Limiter;
import dev.moat.core.store.KeyPrefix;
import dev.moat.core.policy.By;
import dev.moat.core.policy.ConcurrencyConfig;
import dev.moat.core.policy.LimitConfig;
import dev.moat.core.policy.MoatPolicy;
import dev.moat.core.policy.Realm;
import dev.moat.core.policy.RealmLimits;
import dev.moat.core.policy.Restrictions;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A {@link MoatPolicy} turned into what the hot path needs: per (realm, action) the limiters in
 * evaluation order with their ids, and the exemption sets. Built once per config load; immutable.
 */
final class CompiledPolicy {

    /** One limit ready to run. {@code id} is stable across reloads while the config entry is. */
    /** {@code keys}: {@code "<id>|"}, hashed once, which every counter key of this limit starts with. */
    record CompiledLimit(String id, By by, boolean global, Limiter limiter, KeyPrefix keys) {
        CompiledLimit(String id, By by, boolean global, Limiter limiter) {
            this(id, by, global, limiter, KeyPrefix.of(id + "|"));
        }

        String scope() {
            return global ? "global" : by.wire();
        }
    }

    /** Everything that applies to one action in one realm. */
    record CompiledAction(String name, List<CompiledLimit> target, List<CompiledLimit> global,
                          ConcurrencyConfig concurrent, String violationType) {
    }

    final MoatPolicy policy;
    private final FilterSet filters;
    private final Map<String, CompiledAction> client;
    private final Map<String, CompiledAction> federation;
    private final Set<String> exemptSubjects = new HashSet<>();
    private final CidrSet exemptCidrs = new CidrSet();

    CompiledPolicy(MoatPolicy policy) {
        this.policy = policy;
        this.filters = policy.filters().isEmpty() ? null : new FilterSet(policy.filters());
        this.client = compile(Realm.CLIENT, policy.rateLimits().client());
        this.federation = compile(Realm.FEDERATION, policy.rateLimits().federation());
        for (String raw : policy.rateLimits().exempt()) {
            Subject s;
            try {
                s = Subject.parse(raw);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("rate_limits.exempt: " + e.getMessage(), e);
            }
            if (s.kind() == Subject.Kind.CIDR) {
                exemptCidrs.add(Cidr.parse(s.id()));
            } else if (s.kind() == Subject.Kind.IP) {
                exemptCidrs.add(Cidr.parse(s.id()));
            } else {
                exemptSubjects.add(s.toString());
            }
        }
    }

    private static Map<String, CompiledAction> compile(Realm realm, RealmLimits limits) {
        String prefix = realm.wire();
        Set<String> names = new HashSet<>(Restrictions.known(realm));
        names.addAll(limits.target().keySet());
        names.addAll(limits.global().keySet());
        names.addAll(limits.concurrent().keySet());
        Map<String, CompiledAction> out = new HashMap<>();
        for (String name : names) {
            List<CompiledLimit> target = limitsOf(prefix + ".target." + name, limits.target().get(name), false);
            List<CompiledLimit> global = limitsOf(prefix + ".global." + name, limits.global().get(name), true);
            out.put(name, new CompiledAction(name, target, global, limits.concurrent().get(name),
                    Restrictions.violationType(name)));
        }
        return Map.copyOf(out);
    }

    private static List<CompiledLimit> limitsOf(String id, List<LimitConfig> configs, boolean global) {
        if (configs == null || configs.isEmpty()) {
            return List.of();
        }
        List<CompiledLimit> out = new ArrayList<>(configs.size());
        for (int i = 0; i < configs.size(); i++) {
            LimitConfig c = configs.get(i);
            String limitId = configs.size() == 1 ? id : id + "[" + i + "]";
            out.add(new CompiledLimit(limitId, global ? By.TARGET : c.by(), global, c.spec().limiter()));
        }
        return List.copyOf(out);
    }

    /** The message filters, or null when none are configured. */
    FilterSet filters() {
        return filters;
    }

    /** The action, or null when it is neither known nor configured in that realm. */
    CompiledAction action(Realm realm, String name) {
        return (realm == Realm.CLIENT ? client : federation).get(name);
    }

    boolean isExempt(String userSubject, IpAddress ip, String serverSubject, String appserviceSubject) {
        if (!exemptSubjects.isEmpty() && (contains(userSubject) || contains(serverSubject) || contains(appserviceSubject))) {
            return true;
        }
        return ip != null && exemptCidrs.contains(ip);
    }

    /**
     * Whether a canonical subject is exempt: listed itself, an address inside an exempt range, or
     * a block lying wholly inside one (a wider block is not exempt: banning it still spares the
     * exempt addresses, because exempt requests skip the ban check).
     */
    boolean isExemptSubject(String subject) {
        if (exemptSubjects.contains(subject)) {
            return true;
        }
        if (subject.startsWith("ip:")) {
            IpAddress ip = IpAddress.tryParse(subject.substring(3));
            return ip != null && exemptCidrs.contains(ip);
        }
        if (subject.startsWith("cidr:") && !exemptCidrs.isEmpty()) {
            Cidr block = Cidr.parse(subject.substring(5));
            for (Cidr range : exemptCidrs.matching(block.network())) {
                if (range.prefixBits() <= block.prefixBits()) {
                    return true;
                }
            }
        }
        return false;
    }

    private boolean contains(String subject) {
        return subject != null && exemptSubjects.contains(subject);
    }
}
