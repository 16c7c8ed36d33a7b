package dev.moat.core.content;

/**
 * One compiled filter pattern. The core never runs a regular expression on message text itself;
 * the server implements this with RE2/J (linear time, no catastrophic backtracking), and tests do
 * the same.
 *
 * <p>Contract: {@link #findAll} reports every non-overlapping match, left to right, as UTF-16
 * offsets {@code [start, end)} into {@code text}, and stops as soon as the sink returns false.
 * It must not throw for any text. Implementations are immutable and thread-safe.
 */
@FunctionalInterface
public interface TextMatcher {

    /** Reports the matches in {@code text} to {@code sink} until it returns false. */
    void findAll(CharSequence text, MatchSink sink);

    /** Receives matches. */
    @FunctionalInterface
    interface MatchSink {
        /**
         * One match {@code [start, end)}.
         *
         * @return true to receive more matches, false to stop
         */
        boolean accept(int start, int end);
    }
}
