package dev.moat.core.content;

/**
 * What the filters decided about one message.
 *
 * @param action       the winning action, or null when no filter matched
 * @param filterName   the name of the filter that decided ({@code action}), or null
 * @param reply        that filter's reply text, or null
 * @param censoredText for {@link FilterAction#CENSOR}: the text to deliver instead; else null
 * @param reported     whether a {@link FilterAction#REPORT} filter matched, even if a stronger
 *                     action won: the server then emits a report event carrying the message
 */
public record FilterResult(FilterAction action, String filterName, String reply, String censoredText,
                           boolean reported) {

    /** Nothing matched. */
    public static final FilterResult NONE = new FilterResult(null, null, null, null, false);

    /** Whether the message may be delivered (nothing matched, or a censor or report filter). */
    public boolean allowed() {
        return action != FilterAction.BLOCK;
    }

    /** Whether any filter matched. */
    public boolean matched() {
        return action != null;
    }
}
