package dev.moat.core.policy;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The {@code request_checks} section.
 *
 * @param nonBrowserActions actions whose requests must come from a browser User-Agent
 * @param models            endpoint -> allowed model ids; a request outside its list is illegal
 */
public record RequestChecks(Set<String> nonBrowserActions, Map<String, Set<String>> models) {
    public static final RequestChecks NONE = new RequestChecks(Set.of(), Map.of());

    public RequestChecks {
        nonBrowserActions = nonBrowserActions == null ? Set.of() : Set.copyOf(nonBrowserActions);
        Map<String, Set<String>> m = new LinkedHashMap<>();
        if (models != null) {
            models.forEach((k, v) -> m.put(k, Set.copyOf(v)));
        }
        models = java.util.Collections.unmodifiableMap(m);
    }
}
