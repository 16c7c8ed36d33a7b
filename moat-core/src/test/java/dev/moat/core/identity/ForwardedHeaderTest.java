package dev.moat.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** RFC 7239 Forwarded: the for= parameter of each element, read right to left. */
class ForwardedHeaderTest {

    private static final IpAddress PEER = IpAddress.parse("10.0.0.1");

    private final ClientAddressResolver resolver = new ClientAddressResolver(List.of(Cidr.parse("10.0.0.0/24")));

    private IpAddress resolve(String... forwarded) {
        String[] pairs = new String[forwarded.length * 2];
        for (int i = 0; i < forwarded.length; i++) {
            pairs[2 * i] = "forwarded";
            pairs[2 * i + 1] = forwarded[i];
        }
        return resolver.resolve(PEER, Headers.of(pairs));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // the RFC's own examples
        "for=\"_gazonk\"                                              | 10.0.0.1",
        "For=\"[2001:db8:cafe::17]:4711\"                             | 2001:db8:cafe::17",
        "for=192.0.2.60;proto=http;by=203.0.113.43                    | 192.0.2.60",
        "for=192.0.2.43, for=198.51.100.17                            | 198.51.100.17",
        // quoted IPv6, with and without a port
        "for=\"[2001:DB8::5]\"                                        | 2001:db8::5",
        "for=\"[2001:db8::5]:443\";proto=https                        | 2001:db8::5",
        "proto=https;for=\"[2001:db8::5]:443\";by=\"[2001:db8::1]\"   | 2001:db8::5",
        "for=\"192.0.2.60:8080\"                                      | 192.0.2.60",
        "for=\"192.0.2.60\"                                           | 192.0.2.60",
        // a trusted proxy to the right is skipped
        "for=198.51.100.17, for=10.0.0.5                              | 198.51.100.17",
        "for=198.51.100.17;by=10.0.0.5, for=\"10.0.0.5:1234\"         | 198.51.100.17",
        // obfuscated port with a real address
        "for=\"192.0.2.43:_p1\"                                       | 192.0.2.43",
        "for=\"[2001:db8::5]:_abc-1.x\"                               | 2001:db8::5",
        // unknown and obfuscated identifiers stop the walk at the hop to their right
        "for=unknown                                                  | 10.0.0.1",
        "for=UNKNOWN, for=10.0.0.9                                    | 10.0.0.9",
        "for=198.51.100.17, for=_hidden, for=10.0.0.9                 | 10.0.0.9",
        "for=198.51.100.17, for=unknown                               | 10.0.0.1",
        // an element without for= tells nothing: stop
        "for=198.51.100.17, proto=https                               | 10.0.0.1",
        // whitespace, case, empty pairs and empty elements
        "  FOR=192.0.2.60 ; Proto=http ;                              | 192.0.2.60",
        "for=192.0.2.60,,  ,                                          | 192.0.2.60",
        // commas and escaped quotes inside quoted strings are not separators
        "for=192.0.2.60;ext=\"a,b\\\",c\"                             | 192.0.2.60",
        "for=198.51.100.1, for=192.0.2.60;ext=\"x, for=10.0.0.3\"     | 192.0.2.60",
        // malformed elements stop the walk
        "for=198.51.100.17, for                                       | 10.0.0.1",
        "for=198.51.100.17, for=                                      | 10.0.0.1",
        "for=198.51.100.17, for=\"192.0.2.1                           | 10.0.0.1",
        "for=198.51.100.17, for=192.0.2.1;for=192.0.2.2               | 10.0.0.1",
        "for=198.51.100.17, for=192.0.2.1 x                           | 10.0.0.1",
        "for=198.51.100.17, for=[2001:db8::5]:_                       | 10.0.0.1",
        "for=198.51.100.17, for=\"fe80::1%eth0\"                      | 10.0.0.1",
        "for=198.51.100.17, =x                                        | 10.0.0.1",
        "for=198.51.100.17, for=a\"b                                  | 10.0.0.1",
    })
    void readsTheForParameter(String header, String client) {
        assertThat(resolve(header)).isEqualTo(IpAddress.parse(client));
    }

    @Test
    void unbalancedQuotesOnTheLeftDoNotConfuseElementsOnTheRight() {
        // the client sent an unterminated quoted string; the proxy appended a clean element
        assertThat(resolve("for=\"1.1.1.1, for=198.51.100.17")).isEqualTo(IpAddress.parse("198.51.100.17"));
        assertThat(resolve("for=\"x\\\", for=198.51.100.17")).isEqualTo(IpAddress.parse("198.51.100.17"));
        // a quote cannot span two header instances
        assertThat(resolve("for=\"1.1.1.1", "for=198.51.100.17")).isEqualTo(IpAddress.parse("198.51.100.17"));
    }

    @Test
    void escapedBackslashBeforeAClosingQuote() {
        // ext="a\\" closes after an escaped backslash, so the comma that follows separates
        assertThat(resolve("for=198.51.100.1;ext=\"a\\\\\", for=192.0.2.60")).isEqualTo(IpAddress.parse("192.0.2.60"));
        assertThat(resolve("for=192.0.2.60;ext=\"a\\\\\", for=10.0.0.3")).isEqualTo(IpAddress.parse("192.0.2.60"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"for=\"[2001:db8::5]\"", "for=[2001:db8::5]", "for=\"2001:db8::5\""})
    void ipv6IsAcceptedBracketedQuotedOrLeniently(String header) {
        assertThat(resolve(header)).isEqualTo(IpAddress.parse("2001:db8::5"));
    }
}
