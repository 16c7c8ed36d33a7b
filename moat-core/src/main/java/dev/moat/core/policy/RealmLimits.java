package dev.moat.core.policy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The limits of one realm: per target (a list per restriction; every limit must pass), global
 * (one shared budget, spent only after every per-target limit passed), and concurrency.
 */
public record RealmLimits(Map<String, List<LimitConfig>> target, Map<String, List<LimitConfig>> global,
                          Map<String, ConcurrencyConfig> concurrent) {

    public static final RealmLimits EMPTY = new RealmLimits(Map.of(), Map.of(), Map.of());

    public RealmLimits {
        target = copy(target);
        global = copy(global);
        concurrent = concurrent == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(concurrent));
    }

    private static Map<String, List<LimitConfig>> copy(Map<String, List<LimitConfig>> m) {
        Map<String, List<LimitConfig>> out = new LinkedHashMap<>();
        if (m != null) {
            m.forEach((k, v) -> out.put(k, List.copyOf(v)));
        }
        return java.util.Collections.unmodifiableMap(out);
    }

    /** This realm with {@code over}'s entries replacing ours restriction by restriction. */
    public RealmLimits mergedWith(RealmLimits over) {
        Map<String, List<LimitConfig>> t = new LinkedHashMap<>(target);
        t.putAll(over.target);
        Map<String, List<LimitConfig>> g = new LinkedHashMap<>(global);
        g.putAll(over.global);
        Map<String, ConcurrencyConfig> c = new LinkedHashMap<>(concurrent);
        c.putAll(over.concurrent);
        return new RealmLimits(t, g, c);
    }
}
