package dev.moat.core.content;

import com.google.re2j.Matcher;
import com.google.re2j.Pattern;

/** A {@link TextMatcher} backed by RE2/J, as the server implements it. */
record Re2Matcher(Pattern pattern) implements TextMatcher {

    static Re2Matcher of(String regex) {
        return new Re2Matcher(Pattern.compile(regex));
    }

    @Override
    public void findAll(CharSequence text, MatchSink sink) {
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            if (!sink.accept(m.start(), m.end())) {
                return;
            }
        }
    }
}
