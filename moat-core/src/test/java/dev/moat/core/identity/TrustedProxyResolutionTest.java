package dev.moat.core.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.moat.core.identity.ClientAddressResolver.ForwardingHeader;
import java.util.LinkedList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The client behind trusted proxies is the right-most hop that no trusted proxy accounts for;
 * headers from anyone else are ignored (LibreChat #3915 without letting clients spoof).
 */
class TrustedProxyResolutionTest {

    private static final IpAddress LOAD_BALANCER = IpAddress.parse("10.0.0.1");
    private static final IpAddress INNER_PROXY = IpAddress.parse("10.0.0.2");
    private static final IpAddress STRANGER = IpAddress.parse("198.51.100.9");

    private final ClientAddressResolver resolver = new ClientAddressResolver(
            List.of(Cidr.parse("10.0.0.0/24"), Cidr.parse("2001:db8:ffff::/48")));

    private static IpAddress ip(String text) {
        return IpAddress.parse(text);
    }

    @Test
    void headersFromAnUntrustedPeerAreIgnored() {
        HeaderLookup spoof = Headers.of("x-forwarded-for", "203.0.113.66", "forwarded", "for=203.0.113.66",
                "x-real-ip", "203.0.113.66");
        assertThat(resolver.resolve(STRANGER, spoof)).isEqualTo(STRANGER);
    }

    @Test
    void aTrustedPeerWithoutHeadersIsTheClient() {
        assertThat(resolver.resolve(LOAD_BALANCER, HeaderLookup.none())).isEqualTo(LOAD_BALANCER);
    }

    @Test
    void oneLoadBalancerDoesNotMakeEveryUserShareItsAddress() {
        assertThat(resolver.resolve(LOAD_BALANCER, Headers.of("x-forwarded-for", "203.0.113.5")))
                .isEqualTo(ip("203.0.113.5"));
        assertThat(resolver.resolve(LOAD_BALANCER, Headers.of("x-forwarded-for", "203.0.113.6")))
                .isEqualTo(ip("203.0.113.6"));
    }

    @Test
    void aChainThroughTwoTrustedProxiesGivesTheClient() {
        // client -> load balancer (10.0.0.1) -> inner proxy (10.0.0.2) -> us
        HeaderLookup headers = Headers.of("x-forwarded-for", "203.0.113.5, 10.0.0.1");
        assertThat(resolver.resolve(INNER_PROXY, headers)).isEqualTo(ip("203.0.113.5"));
    }

    @Test
    void aSpoofedLeftMostEntryIsNotBelievedWhenARealClientHopSitsToItsRight() {
        // the client sent "X-Forwarded-For: 1.1.1.1"; the load balancer appended what it saw
        HeaderLookup headers = Headers.of("x-forwarded-for", "1.1.1.1, 203.0.113.5");
        assertThat(resolver.resolve(LOAD_BALANCER, headers)).isEqualTo(ip("203.0.113.5"));
        HeaderLookup pretendingToBeAProxy = Headers.of("x-forwarded-for", "1.1.1.1, 10.0.0.77, 203.0.113.5");
        assertThat(resolver.resolve(LOAD_BALANCER, pretendingToBeAProxy)).isEqualTo(ip("203.0.113.5"));
    }

    @Test
    void multipleHeaderInstancesAreOneListInOrder() {
        HeaderLookup headers = Headers.of("x-forwarded-for", "1.1.1.1, 203.0.113.5", "x-forwarded-for", "10.0.0.9");
        assertThat(resolver.resolve(INNER_PROXY, headers)).isEqualTo(ip("203.0.113.5"));
        HeaderLookup client = Headers.of("x-forwarded-for", "1.1.1.1", "x-forwarded-for", "203.0.113.5");
        assertThat(resolver.resolve(INNER_PROXY, client)).isEqualTo(ip("203.0.113.5"));
    }

    @Test
    void everyHopTrustedMeansTheLeftMostHopIsTheClient() {
        HeaderLookup headers = Headers.of("x-forwarded-for", "10.0.0.50, 10.0.0.9, 10.0.0.1");
        assertThat(resolver.resolve(INNER_PROXY, headers)).isEqualTo(ip("10.0.0.50"));
    }

    @Test
    void aMalformedHopStopsTheWalkAtTheLastGoodAddress() {
        assertThat(resolver.resolve(LOAD_BALANCER, Headers.of("x-forwarded-for", "1.1.1.1, garbage, 10.0.0.7")))
                .isEqualTo(ip("10.0.0.7"));
        assertThat(resolver.resolve(LOAD_BALANCER, Headers.of("x-forwarded-for", "1.1.1.1, garbage")))
                .isEqualTo(LOAD_BALANCER);
        assertThat(resolver.resolve(LOAD_BALANCER, Headers.of("x-forwarded-for", "unknown")))
                .isEqualTo(LOAD_BALANCER);
        assertThat(resolver.resolve(LOAD_BALANCER, Headers.of("x-forwarded-for", "1.2.3")))
                .isEqualTo(LOAD_BALANCER);
        assertThat(resolver.resolve(LOAD_BALANCER, Headers.of("x-forwarded-for", "fe80::1%eth0")))
                .isEqualTo(LOAD_BALANCER);
        assertThat(resolver.resolve(LOAD_BALANCER, Headers.of("x-forwarded-for", "\"203.0.113.5\"")))
                .isEqualTo(LOAD_BALANCER);
    }

    @Test
    void hopsMayCarryPortsBracketsAndAnySpelling() {
        assertThat(resolver.resolve(LOAD_BALANCER, Headers.of("x-forwarded-for", "203.0.113.5:4711")))
                .isEqualTo(ip("203.0.113.5"));
        assertThat(resolver.resolve(LOAD_BALANCER, Headers.of("x-forwarded-for", "[2001:DB8::5]:4711")))
                .isEqualTo(ip("2001:db8::5"));
        assertThat(resolver.resolve(LOAD_BALANCER, Headers.of("x-forwarded-for", "2001:db8::5")))
                .isEqualTo(ip("2001:db8::5"));
        assertThat(resolver.resolve(LOAD_BALANCER, Headers.of("x-forwarded-for", "::ffff:203.0.113.5")))
                .isEqualTo(ip("203.0.113.5"));
        assertThat(resolver.resolve(LOAD_BALANCER, Headers.of("x-forwarded-for", " \t203.0.113.5\t ,\t10.0.0.3 ")))
                .isEqualTo(ip("203.0.113.5"));
    }

    @Test
    void ipv6ProxiesAndMappedPeers() {
        assertThat(resolver.resolve(ip("2001:db8:ffff::1"), Headers.of("x-forwarded-for", "203.0.113.5")))
                .isEqualTo(ip("203.0.113.5"));
        assertThat(resolver.resolve(ip("::ffff:10.0.0.1"), Headers.of("x-forwarded-for", "2001:db8:1::5")))
                .isEqualTo(ip("2001:db8:1::5"));
    }

    @Test
    void emptyListElementsAreSkipped() {
        assertThat(resolver.resolve(LOAD_BALANCER, Headers.of("x-forwarded-for", "203.0.113.5,, ,10.0.0.3,")))
                .isEqualTo(ip("203.0.113.5"));
        assertThat(resolver.resolve(LOAD_BALANCER, Headers.of("x-forwarded-for", "")))
                .isEqualTo(LOAD_BALANCER);
        assertThat(resolver.resolve(LOAD_BALANCER, Headers.of("x-forwarded-for", " , ")))
                .isEqualTo(LOAD_BALANCER);
    }

    @Test
    void xRealIpIsBelievedOnlyFromTrustedPeers() {
        assertThat(resolver.resolve(LOAD_BALANCER, Headers.of("x-real-ip", "203.0.113.5")))
                .isEqualTo(ip("203.0.113.5"));
        assertThat(resolver.resolve(STRANGER, Headers.of("x-real-ip", "203.0.113.5")))
                .isEqualTo(STRANGER);
        assertThat(resolver.resolve(LOAD_BALANCER, Headers.of("x-real-ip", "not-an-ip")))
                .isEqualTo(LOAD_BALANCER);
    }

    @Test
    void headerPrecedenceIsForwardedThenXForwardedForThenXRealIp() {
        HeaderLookup all = Headers.of("x-real-ip", "203.0.113.3", "x-forwarded-for", "203.0.113.2",
                "forwarded", "for=203.0.113.1");
        assertThat(resolver.resolve(LOAD_BALANCER, all)).isEqualTo(ip("203.0.113.1"));
        HeaderLookup noForwarded = Headers.of("x-real-ip", "203.0.113.3", "x-forwarded-for", "203.0.113.2");
        assertThat(resolver.resolve(LOAD_BALANCER, noForwarded)).isEqualTo(ip("203.0.113.2"));
    }

    @Test
    void aPresentButUnusableHeaderDoesNotFallThroughToTheNext() {
        HeaderLookup headers = Headers.of("forwarded", "for=unknown", "x-forwarded-for", "203.0.113.2");
        assertThat(resolver.resolve(LOAD_BALANCER, headers)).isEqualTo(LOAD_BALANCER);
    }

    @Test
    void theHeaderListCanBeRestrictedToWhatTheProxiesActuallyWrite() {
        // nginx appends to X-Forwarded-For but passes the client's own Forwarded header through
        ClientAddressResolver xffOnly = new ClientAddressResolver(
                CidrSet.of(Cidr.parse("10.0.0.0/24")), List.of(ForwardingHeader.X_FORWARDED_FOR));
        HeaderLookup headers = Headers.of("forwarded", "for=1.1.1.1", "x-forwarded-for", "203.0.113.2");
        assertThat(xffOnly.resolve(LOAD_BALANCER, headers)).isEqualTo(ip("203.0.113.2"));
        assertThat(xffOnly.headers()).containsExactly(ForwardingHeader.X_FORWARDED_FOR);
        assertThatThrownBy(() -> new ClientAddressResolver(new CidrSet(),
                List.of(ForwardingHeader.X_REAL_IP, ForwardingHeader.X_REAL_IP)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void withNoTrustedProxiesThePeerIsAlwaysTheClient() {
        ClientAddressResolver direct = new ClientAddressResolver(new CidrSet());
        assertThat(direct.resolve(LOAD_BALANCER, Headers.of("x-forwarded-for", "203.0.113.5")))
                .isEqualTo(LOAD_BALANCER);
    }

    @Test
    void trustedProxiesAreReadLive() {
        CidrSet proxies = new CidrSet();
        ClientAddressResolver live = new ClientAddressResolver(proxies);
        HeaderLookup headers = Headers.of("x-forwarded-for", "203.0.113.5");
        assertThat(live.resolve(LOAD_BALANCER, headers)).isEqualTo(LOAD_BALANCER);
        proxies.add(Cidr.parse("10.0.0.1"));
        assertThat(live.resolve(LOAD_BALANCER, headers)).isEqualTo(ip("203.0.113.5"));
    }

    @Test
    void headerLookupsReturningNullOrLinkedListsOrNullValuesWork() {
        assertThat(resolver.resolve(LOAD_BALANCER, name -> null)).isEqualTo(LOAD_BALANCER);
        LinkedList<String> values = new LinkedList<>();
        values.add("203.0.113.5");
        values.add(null);
        values.add("10.0.0.4");
        assertThat(resolver.resolve(LOAD_BALANCER, name -> name.equals("x-forwarded-for") ? values : null))
                .isEqualTo(ip("203.0.113.5"));
    }

    @Test
    void headerNamesAreMatchedCaseInsensitivelyByTheMapAdapter() {
        assertThat(resolver.resolve(LOAD_BALANCER, Headers.of("X-Forwarded-For", "203.0.113.5")))
                .isEqualTo(ip("203.0.113.5"));
    }
}
