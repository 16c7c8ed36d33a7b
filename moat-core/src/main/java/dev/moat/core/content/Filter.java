package dev.moat.core.content;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One entry of {@code filters}: {@code {name, patterns, where, action, reply}}.
 *
 * @param name     names the filter in results, reports and logs; 1-128 chars, not blank
 * @param matchers the compiled {@code patterns}, at least one
 * @param places   the {@code where} list: where the filter applies, at least one
 * @param action   what a match does
 * @param reply    text sent back to the sender when the filter fires, or null for none
 */
public record Filter(String name, List<TextMatcher> matchers, Set<Place> places, FilterAction action, String reply) {

    /** Validates every field; the messages quote the bad value. */
    public Filter {
        if (name == null || name.isBlank() || name.length() > 128) {
            throw new IllegalArgumentException("filter name must be 1-128 chars and not blank, got "
                    + (name == null ? "null" : '"' + name + '"'));
        }
        if (matchers == null || matchers.isEmpty() || matchers.stream().anyMatch(Objects::isNull)) {
            throw new IllegalArgumentException("filter \"" + name + "\": patterns must be a non-empty list, got "
                    + matchers);
        }
        if (places == null || places.isEmpty() || places.stream().anyMatch(Objects::isNull)) {
            throw new IllegalArgumentException("filter \"" + name + "\": where must name public and/or dm, got "
                    + places);
        }
        Objects.requireNonNull(action, () -> "filter \"" + name + "\": action is required (block, censor or report)");
        matchers = List.copyOf(matchers);
        places = Set.copyOf(places);
    }

    /** Whether this filter applies to messages sent to {@code place}. */
    public boolean appliesTo(Place place) {
        return places.contains(place);
    }
}
