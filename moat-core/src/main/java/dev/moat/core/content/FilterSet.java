package dev.moat.core.content;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The configured {@code filters}, applied together to one message.
 *
 * <h2>How it works and why</h2>
 *
 * <p>Only filters whose {@code where} includes the message's {@link Place} run. BLOCK filters run
 * first, in declaration order, and the first that matches decides (each stops at its first
 * match); then CENSOR filters, all of them, collecting every match; then REPORT filters, each
 * stopping at its first match. The result is the strongest action that matched (BLOCK over CENSOR
 * over REPORT) with the first matching filter of that action as the decider, plus
 * {@link FilterResult#reported()} when any REPORT filter matched, so a blocked or censored message
 * can still be reported.
 *
 * <p>Censoring: the match ranges of all CENSOR filters are sorted by start and merged where they
 * overlap, and each merged range is replaced by one {@code *} per code point, so the censored
 * text has as many code points as the original. Zero-length matches are ignored (a pattern like
 * {@code x*} does not match every message). At most {@link #MAX_MATCHES} ranges are collected per
 * message; if a message has more, everything after the last collected range is censored too, so
 * padding a message with matches cannot smuggle the rest through. Work is linear in the text as
 * long as the matchers are (RE2/J), and memory is bounded by {@link #MAX_MATCHES}.
 */
public final class FilterSet {

    /** At most this many censor matches are collected for one message. */
    public static final int MAX_MATCHES = 4096;

    /** No filters: every message passes. */
    public static final FilterSet EMPTY = new FilterSet(List.of());

    private final List<Filter> filters;

    /** The filters in declaration order (the order breaks ties between equal actions). */
    public FilterSet(List<Filter> filters) {
        this.filters = List.copyOf(Objects.requireNonNull(filters, "filters"));
    }

    /** The filters, in declaration order. */
    public List<Filter> filters() {
        return filters;
    }

    /** Applies the filters that cover {@code place} to {@code text}. */
    public FilterResult apply(CharSequence text, Place place) {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(place, "place");
        Filter reporter = null;
        for (Filter f : filters) {
            if (f.action() == FilterAction.REPORT && f.appliesTo(place) && anyMatch(f, text)) {
                reporter = f;
                break;
            }
        }
        boolean reported = reporter != null;
        for (Filter f : filters) {
            if (f.action() == FilterAction.BLOCK && f.appliesTo(place) && anyMatch(f, text)) {
                return new FilterResult(FilterAction.BLOCK, f.name(), f.reply(), null, reported);
            }
        }
        Ranges ranges = null; // made only when a censor filter covers the place: most sets have none
        Filter censor = null;
        for (Filter f : filters) {
            if (f.action() == FilterAction.CENSOR && f.appliesTo(place)) {
                Ranges r = ranges == null ? (ranges = new Ranges()) : ranges;
                int before = r.size;
                for (TextMatcher m : f.matchers()) {
                    m.findAll(text, (start, end) -> r.add(start, end, text.length()));
                }
                if (censor == null && r.size > before) {
                    censor = f;
                }
            }
        }
        if (censor != null) {
            return new FilterResult(FilterAction.CENSOR, censor.name(), censor.reply(), ranges.censor(text), reported);
        }
        if (reported) {
            return new FilterResult(FilterAction.REPORT, reporter.name(), reporter.reply(), null, true);
        }
        return FilterResult.NONE;
    }

    private static boolean anyMatch(Filter f, CharSequence text) {
        int n = text.length();
        boolean[] found = {false};
        int[] calls = {0};
        for (TextMatcher m : f.matchers()) {
            m.findAll(text, (start, end) -> {
                if (start >= 0 && start < end && end <= n) {
                    found[0] = true;
                    return false;
                }
                return ++calls[0] < MAX_MATCHES;
            });
            if (found[0]) {
                return true;
            }
        }
        return false;
    }

    /** Match ranges packed as {@code start << 32 | end}, bounded by {@link #MAX_MATCHES}. */
    private static final class Ranges {
        long[] packed = new long[16];
        int size;
        boolean overflow;
        int calls;

        boolean add(int start, int end, int length) {
            if (++calls > 4 * MAX_MATCHES) {
                return false; // a matcher reporting endless empty matches
            }
            if (start < 0 || start >= end || end > length) {
                return true;
            }
            if (size == MAX_MATCHES) {
                overflow = true;
                return false;
            }
            if (size == packed.length) {
                packed = Arrays.copyOf(packed, Math.min(size * 2, MAX_MATCHES));
            }
            packed[size++] = (long) start << 32 | end;
            return true;
        }

        String censor(CharSequence text) {
            long[] sorted = Arrays.copyOf(packed, size);
            Arrays.sort(sorted);
            StringBuilder out = new StringBuilder(text.length());
            int copied = 0;
            int k = 0;
            while (k < sorted.length) {
                int start = (int) (sorted[k] >>> 32);
                int end = (int) sorted[k];
                k++;
                while (k < sorted.length && (int) (sorted[k] >>> 32) <= end) {
                    end = Math.max(end, (int) sorted[k]);
                    k++;
                }
                if (overflow && k == sorted.length) {
                    end = text.length();
                }
                out.append(text, copied, start);
                out.append("*".repeat(Character.codePointCount(text, start, end)));
                copied = end;
            }
            out.append(text, copied, text.length());
            return out.toString();
        }
    }
}
