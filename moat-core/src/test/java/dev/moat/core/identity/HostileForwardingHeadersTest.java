package dev.moat.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Whatever a client stuffs into forwarding headers, resolution reads only the right end of the
 * list: at most {@link ClientAddressResolver#MAX_HOPS} elements of at most
 * {@link ClientAddressResolver#MAX_HOP_CHARS} characters. These tests assert on results that
 * only a bounded walk produces (never on timing, which is noise on shared machines), plus a
 * counting header lookup to show the rest was never touched.
 */
class HostileForwardingHeadersTest {

    private static final IpAddress PEER = IpAddress.parse("10.0.0.1");
    private static final int ONE_MB = 1 << 20;

    private final ClientAddressResolver resolver = new ClientAddressResolver(List.of(Cidr.parse("10.0.0.0/8")));

    private static IpAddress ip(String text) {
        return IpAddress.parse(text);
    }

    @Test
    void aMegabyteOfCommasEndsAtThePeer() {
        String commas = ",".repeat(ONE_MB);
        assertThat(resolver.resolve(PEER, Headers.of("x-forwarded-for", commas))).isEqualTo(PEER);
        assertThat(resolver.resolve(PEER, Headers.of("forwarded", commas))).isEqualTo(PEER);
        assertThat(resolver.resolve(PEER, Headers.of("x-real-ip", commas))).isEqualTo(PEER);
    }

    @Test
    void anAddressBeyondTheHopBudgetIsNeverReached() {
        // 31 empty elements and then a client: within budget
        assertThat(resolver.resolve(PEER, Headers.of("x-forwarded-for", "203.0.113.5" + ",".repeat(31))))
                .isEqualTo(ip("203.0.113.5"));
        // 32 empty elements first: the walk stops before it
        assertThat(resolver.resolve(PEER, Headers.of("x-forwarded-for", "203.0.113.5" + ",".repeat(32))))
                .isEqualTo(PEER);
        // a megabyte of commas before a client is a megabyte too far
        assertThat(resolver.resolve(PEER, Headers.of("x-forwarded-for", "203.0.113.5" + ",".repeat(ONE_MB))))
                .isEqualTo(PEER);
    }

    @Test
    void aHundredThousandHopsAreReadOnlyAtTheRightEnd() {
        StringBuilder spoofed = new StringBuilder();
        for (int i = 0; i < 100_000; i++) {
            spoofed.append("198.51.").append(i % 256).append('.').append(i / 256 % 256).append(", ");
        }
        String withClient = spoofed + "203.0.113.5, 10.0.0.3";
        assertThat(resolver.resolve(PEER, Headers.of("x-forwarded-for", withClient))).isEqualTo(ip("203.0.113.5"));

        StringBuilder trusted = new StringBuilder("198.51.100.1");
        for (int i = 0; i < 100_000; i++) {
            trusted.append(", 10.").append(i % 200).append('.').append(i / 200 % 250).append(".1");
        }
        // every examined hop is trusted: the left-most examined one (the 32nd from the right) wins
        IpAddress client = resolver.resolve(PEER, Headers.of("x-forwarded-for", trusted.toString()));
        int leftMostExamined = 100_000 - ClientAddressResolver.MAX_HOPS;
        assertThat(client).isEqualTo(ip("10." + leftMostExamined % 200 + "." + leftMostExamined / 200 % 250 + ".1"));
    }

    @Test
    void aHundredThousandHeaderInstancesAreReadOnlyAtTheEnd() {
        List<String> instances = new ArrayList<>();
        instances.add("203.0.113.5");
        for (int i = 0; i < 100_000; i++) {
            instances.add("10.1.1.1");
        }
        int[] reads = new int[1];
        List<String> counting = new java.util.AbstractList<>() {
            @Override
            public String get(int index) {
                reads[0]++;
                return instances.get(index);
            }

            @Override
            public int size() {
                return instances.size();
            }
        };
        IpAddress client = resolver.resolve(PEER, name -> name.equals("x-forwarded-for") ? counting : List.of());
        assertThat(client).isEqualTo(ip("10.1.1.1"));
        assertThat(reads[0]).isLessThanOrEqualTo(ClientAddressResolver.MAX_HOPS + 1);
    }

    @Test
    void oneHugeElementStopsTheWalk() {
        String huge = " ".repeat(ONE_MB) + "203.0.113.5";
        assertThat(resolver.resolve(PEER, Headers.of("x-forwarded-for", huge))).isEqualTo(PEER);
        assertThat(resolver.resolve(PEER, Headers.of("x-forwarded-for", "198.51.100.1," + huge + ", 10.0.0.2")))
                .isEqualTo(ip("10.0.0.2"));
        String hugeForwarded = "for=203.0.113.5;ext=\"" + "a".repeat(ONE_MB) + "\"";
        assertThat(resolver.resolve(PEER, Headers.of("forwarded", hugeForwarded))).isEqualTo(PEER);
        assertThat(resolver.resolve(PEER, Headers.of("forwarded", "for=" + "1".repeat(ONE_MB)))).isEqualTo(PEER);
    }

    @Test
    void quoteAndBackslashFloodsInForwarded() {
        assertThat(resolver.resolve(PEER, Headers.of("forwarded", "\"".repeat(ONE_MB)))).isEqualTo(PEER);
        assertThat(resolver.resolve(PEER, Headers.of("forwarded", "\\".repeat(ONE_MB) + "\""))).isEqualTo(PEER);
        assertThat(resolver.resolve(PEER, Headers.of("forwarded", "\\\"".repeat(ONE_MB / 2) + ", for=203.0.113.5")))
                .isEqualTo(ip("203.0.113.5"));
        assertThat(resolver.resolve(PEER, Headers.of("forwarded", "for=\"\\".repeat(ONE_MB / 6) + ", for=10.0.0.4")))
                .isEqualTo(ip("10.0.0.4"));
        assertThat(resolver.resolve(PEER, Headers.of("forwarded", "for=203.0.113.5, " + ";".repeat(ONE_MB))))
                .isEqualTo(PEER);
    }

    @Test
    void controlCharactersAndUnicodeInHops() {
        assertThat(resolver.resolve(PEER, Headers.of("x-forwarded-for", "203.0.113.5\u0000"))).isEqualTo(PEER);
        assertThat(resolver.resolve(PEER, Headers.of("x-forwarded-for", "\u0662\u0660\u0663.0.113.5"))).isEqualTo(PEER);
        assertThat(resolver.resolve(PEER, Headers.of("x-forwarded-for", "203.0.113.5\r\nX-Evil: 1"))).isEqualTo(PEER);
        assertThat(resolver.resolve(PEER, Headers.of("forwarded", "for=\"\ud800\""))).isEqualTo(PEER);
    }
}
