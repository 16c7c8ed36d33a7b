package dev.moat.core.identity;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Read access to the headers of one HTTP request, as {@link ClientAddressResolver} needs it: every
 * instance of a header, in the order received. Adapt your server's header map with a lambda, e.g.
 * Vert.x {@code name -> request.headers().getAll(name)}.
 */
@FunctionalInterface
public interface HeaderLookup {

    /**
     * Every value of the header called {@code lowerCaseName}, in the order received; an empty
     * list (or null) when absent. Implementations must match the name case-insensitively.
     */
    List<String> all(String lowerCaseName);

    /** A lookup with no headers at all. */
    static HeaderLookup none() {
        return name -> List.of();
    }

    /** A lookup over a map of header name to values; names are matched case-insensitively. */
    static HeaderLookup of(Map<String, ? extends List<String>> headers) {
        Objects.requireNonNull(headers, "headers");
        TreeMap<String, List<String>> byName = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((name, values) -> byName.computeIfAbsent(name, n -> new ArrayList<>()).addAll(values));
        return name -> byName.getOrDefault(name, List.of());
    }
}
