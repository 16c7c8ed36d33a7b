package dev.moat.core.content;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Trivial variations of a link normalise to the same string. */
class LinkNormalisationTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "https://example.com/room/42",
        "http://example.com/room/42",
        "HTTPS://EXAMPLE.COM/room/42",
        "https://www.example.com/room/42",
        "https://example.com:443/room/42",
        "http://example.com:80/room/42",
        "https://example.com/room/42/",
        "https://example.com/room/42#join",
        "https://example.com/room/42?utm_source=dm&utm_medium=chat&utm_campaign=x",
        "https://example.com/room/42?fbclid=IwAR0abc&gclid=Cj0KCQ&msclkid=1&igshid=2&si=3&ref=dm",
        "https://example.com/room/42?dclid=1&mc_eid=2&ref_src=twsrc&yclid=3&_ga=2.1.2.3",
        "https://example.com/%72oom/%34%32",
        "https://example.com/room/./42",
        "https://example.com/a/../room/42",
        "https://user:pw@example.com/room/42",
        "//example.com/room/42",
        "example.com/room/42",
        "www.example.com/room/42/",
        "https://example.com./room/42",
        "https://%65xample.com/room/42",
        "https://example.com\\room\\42",
    })
    void variationsOfOneLinkAreTheSame(String variant) {
        assertThat(LinkNormaliser.normalise(variant)).isEqualTo("example.com/room/42");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "https://example.com/?b=2&a=1|example.com?a=1&b=2",
        "https://example.com/?a=1&utm_source=x&b=2|example.com?a=1&b=2",
        "https://example.com/path?UTM_Source=x|example.com/path",
        "https://example.com/path?utm%5Fsource=x&id=7|example.com/path?id=7",
        "https://example.com/path?&&a=1&&|example.com/path?a=1",
        "https://example.com/|example.com",
        "https://example.com|example.com",
        "https://example.com:8080/x|example.com:8080/x",
        "https://example.com:08080/x|example.com:8080/x",
        "https://example.com/Case/Sensitive|example.com/Case/Sensitive",
        "https://example.com/a%2fb|example.com/a%2Fb",
        "https://example.com/a%2Fb|example.com/a%2Fb",
        "https://example.com/caf\u00e9|example.com/caf%C3%A9",
        "https://example.com/caf%c3%a9|example.com/caf%C3%A9",
        "https://example.com/100%|example.com/100%25",
        "https://b\u00fccher.de/katalog|xn--bcher-kva.de/katalog",
        "https://B\u00dcCHER.de/|xn--bcher-kva.de",
        "https://xn--bcher-kva.de/|xn--bcher-kva.de",
        "https://\u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444/|xn--e1afmkfd.xn--p1ai",
        "https://[2001:DB8::1]:8443/x|[2001:db8::1]:8443/x",
        "http://203.0.113.9/join|203.0.113.9/join",
        "https://en.wikipedia.org/wiki/Foo_(bar)|en.wikipedia.org/wiki/Foo_%28bar%29",
        "https://en.wikipedia.org/wiki/Foo_%28bar%29|en.wikipedia.org/wiki/Foo_%28bar%29",
        "https://example.com/a/:/:/:/:|example.com/a",
        "https://example.com/a.#frag|example.com/a",
        "https://example.com/a?x=1.&ref=2.|example.com/a?x=1",
        "https://example.com/a/b:c://d|example.com/a/b:c://d",
        "https://youtu.be/dQw4w9WgXcQ?si=AbCdEf|youtu.be/dQw4w9WgXcQ",
        "https://www.youtube.com/watch?v=dQw4w9WgXcQ&feature=share&si=x|youtube.com/watch?feature=share&v=dQw4w9WgXcQ",
        "https://www.www.example.com/|example.com",
    })
    void normalisesTo(String input, String expected) {
        assertThat(LinkNormaliser.normalise(input)).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "https://example.com/x.", "https://example.com/x,", "https://example.com/x;",
        "https://example.com/x:", "https://example.com/x!", "https://example.com/x?",
        "https://example.com/x)", "https://example.com/x]", "https://example.com/x}",
        "https://example.com/x'", "https://example.com/x\"", "https://example.com/x!!!...",
        "https://example.com/x\").",
    })
    void trailingPunctuationIsNotPartOfTheLink(String input) {
        assertThat(LinkNormaliser.normalise(input)).isEqualTo("example.com/x");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
        "", "https://", "ftp://example.com/x", "javascript://alert(1)", "mailto://x@example.com",
        "https://exa mple.com", "https://exa,mple.com", "https://[zz::1]/", "https://[::1",
        "https://.", "https://@",
    })
    void notALink(String input) {
        assertThat(LinkNormaliser.normalise(input)).isNull();
    }

    /** A host that IDN would map to something with a space keeps its Unicode form, as a host IDN refuses. */
    @Test
    void aHostIdnMapsToAnInvalidFormKeepsItsUnicodeForm() {
        assertThat(LinkNormaliser.normalise("https://ezmple.cbot\u037agecko2E/x")).isEqualTo("ezmple.cbot\u037agecko2e/x");
    }

    @Test
    void nullIsNotALink() {
        assertThat(LinkNormaliser.normalise(null)).isNull();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "https://Example.com/a/b/?z=1&a=2#x", "example.com/a%2E", "example.com/x/.%2E%2E",
        "https://example.com/(x/../a)", "https://example.com/%zz", "https://example.com/caf\u00e9/",
        "www.www.www.example.com", "https://b\u00fccher.de./%7euser/", "M/:/:/:/:/.]./:/:/.].",
        "x.com/a://b", "https://example.com/a?b=(c)", "https://example.com/a?b=c/",
        "ezmple.cbot\u037agecko2E",   // IDN maps U+037A to a space and U+0345 (a fuzzing finding)
    })
    void normalisingIsIdempotent(String input) {
        String once = LinkNormaliser.normalise(input);
        assertThat(once).isNotNull();
        assertThat(LinkNormaliser.normalise(once)).isEqualTo(once);
    }

    @Test
    void httpAndHttpsAreOneLink() {
        assertThat(LinkExtractor.extract("http://example.com/a and https://example.com/a"))
                .containsExactly("example.com/a");
    }
}
