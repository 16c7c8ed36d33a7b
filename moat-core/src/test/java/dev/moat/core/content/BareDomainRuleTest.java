package dev.moat.core.content;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Which words count as bare domains, and which ordinary text does not. */
class BareDomainRuleTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "go to example.com now|example.com",
        "go to sub.example.co.uk/path now|sub.example.co.uk/path",
        "go to example.com.|example.com",
        "go to example.com, then|example.com",
        "go to example.com: it is great|example.com",
        "go to EXAMPLE.COM|example.com",
        "go to example.com.Then do|example.com",
        "go to my-site.io?x=1|my-site.io?x=1",
        "go to example.com:8080/x|example.com:8080/x",
        "go to b\u00fccher.de/|xn--bcher-kva.de",
        "go to \u043f\u0440\u0438\u043c\u0435\u0440.\u0440\u0444|xn--e1afmkfd.xn--p1ai",
        "go to example.xn--p1ai|example.xn--p1ai",
        "join 203.0.113.9:8080|203.0.113.9:8080",
        "join 203.0.113.9/room|203.0.113.9/room",
        "a file: evil.zip|evil.zip",
        "see:example.com|example.com",
        "see,example.com|example.com",
        "x.com|x.com",
        "\u6211\u7684\u7F51\u7AD9\u662Fexample.com\u3002\u8C22\u8C22|example.com",
    })
    void bareDomains(String text, String link) {
        assertThat(LinkExtractor.extract(text)).containsExactly(link);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "e.g. this", "i.e. that", "U.S.A.", "a.m. or p.m.", "pi is 3.14", "version 1.2.3.4 is out",
        "version 1.2.3.4: fixed", "open file.txt", "see photo.jpg and index.html", "use node.js",
        "done.Now what", "Dr.Who is on", "mail me at alice@example.com",
        "mail me at alice.name@example.com", "hello...world", "ok.", "...", "a.b", "x..com",
        "-example.com-", "example-.com", "exa_mple.com", "http", "localhost:8080",
        "wait...what", "hello. bye.", "no way.jpg", "(.)(.)",
    })
    void notBareDomains(String text) {
        assertThat(LinkExtractor.extract(text)).isEmpty();
    }

    @Test
    void aSchemeAcceptsAnyHost() {
        assertThat(LinkExtractor.extract("http://localhost:8080/x and https://intranet/wiki and http://10.0.0.1/"))
                .containsExactly("localhost:8080/x", "intranet/wiki", "10.0.0.1");
    }

    @Test
    void severalLinksInOneMessageInOrderWithoutDuplicates() {
        assertThat(LinkExtractor.extract(
                "a.com b.org https://a.com/ c.net,d.io https://e.dev/x,https://f.app/y example.com/p?q=1"))
                .containsExactly("a.com", "b.org", "c.net", "d.io", "e.dev/x", "f.app/y", "example.com/p?q=1");
    }

    @Test
    void userInfoDoesNotHideTheRealHost() {
        assertThat(LinkExtractor.extract("https://google.com@evil.example/login"))
                .containsExactly("evil.example/login");
    }

    @Test
    void emptyAndNullTextHaveNoLinks() {
        assertThat(LinkExtractor.extract("")).isEmpty();
        assertThat(LinkExtractor.extract(null)).isEmpty();
    }
}
