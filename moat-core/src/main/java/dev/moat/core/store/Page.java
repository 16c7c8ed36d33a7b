package dev.moat.core.store;

import java.util.List;

/**
 * One page of a listing, newest first.
 *
 * @param items the page
 * @param next  opaque cursor for the next page, or null when this is the last
 */
public record Page<T>(List<T> items, String next) {
    public Page {
        items = List.copyOf(items);
    }
}
