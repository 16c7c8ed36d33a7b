package dev.moat.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Fuzz targets for every parser of untrusted text in this package. Each must return a value or
 * throw IllegalArgumentException, never anything else, and a value must re-parse to itself from
 * its canonical text.
 *
 * <p>{@code mvn test} runs each target over its seeds in
 * {@code src/test/resources/dev/moat/core/identity/IdentityFuzzTestInputs/<method>/}. To fuzz for
 * real: {@code JAZZER_FUZZ=1 mvn -pl moat-core test -Dtest=IdentityFuzzTest#ipAddressParse}.
 * Inputs are raw bytes decoded as UTF-8, so seed files are plain text.
 */
class IdentityFuzzTest {

    private static final CidrSet PROXIES = CidrSet.of(
            Cidr.parse("10.0.0.0/8"), Cidr.parse("192.0.2.1"), Cidr.parse("2001:db8:ffff::/48"));
    private static final ClientAddressResolver RESOLVER = new ClientAddressResolver(PROXIES);
    private static final IpAddress DEFAULT_PEER = IpAddress.parse("10.0.0.1");

    @FuzzTest(maxDuration = "2m")
    void ipAddressParse(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        IpAddress parsed;
        try {
            parsed = IpAddress.parse(text);
        } catch (IllegalArgumentException refused) {
            assertThat(IpAddress.tryParse(text)).isNull();
            return;
        }
        assertThat(IpAddress.tryParse(text)).isEqualTo(parsed);
        IpAddress again = IpAddress.parse(parsed.toString());
        assertThat(again).isEqualTo(parsed);
        assertThat(again.toString()).isEqualTo(parsed.toString());
        assertThat(IpAddress.ofBytes(parsed.toBytes())).isEqualTo(parsed);
        assertThat(parsed.bits()).isEqualTo(parsed.isV4() ? 32 : 128);
        for (int prefix : new int[] {1, 48, 64, 127, 128}) {
            Subject key = parsed.prefixKey(prefix);
            assertThat(Subject.parse(key.toString())).isEqualTo(key);
        }
    }

    @FuzzTest(maxDuration = "2m")
    void cidrParse(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        Cidr parsed;
        try {
            parsed = Cidr.parse(text);
        } catch (IllegalArgumentException refused) {
            return;
        }
        Cidr again = Cidr.parse(parsed.toString());
        assertThat(again).isEqualTo(parsed);
        assertThat(again.toString()).isEqualTo(parsed.toString());
        assertThat(parsed.contains(parsed.network())).isTrue();
        assertThat(Cidr.of(parsed.network(), parsed.prefixBits())).isEqualTo(parsed);
        CidrSet set = CidrSet.of(parsed);
        assertThat(set.matching(parsed.network())).containsExactly(parsed);
    }

    @FuzzTest(maxDuration = "2m")
    void subjectParse(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        Subject parsed;
        try {
            parsed = Subject.parse(text);
        } catch (IllegalArgumentException refused) {
            return;
        }
        Subject again = Subject.parse(parsed.toString());
        assertThat(again).isEqualTo(parsed);
        assertThat(again.kind()).isEqualTo(parsed.kind());
        assertThat(again.toString()).isEqualTo(parsed.kind().prefix() + ":" + parsed.id());
    }

    /**
     * Input: the first line is the peer address (a default trusted peer when it does not parse);
     * each further line is {@code name: value}, one header instance.
     */
    @FuzzTest(maxDuration = "2m")
    void resolve(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        String[] lines = text.split("\n", -1);
        IpAddress parsedPeer = IpAddress.tryParse(lines[0]);
        IpAddress peer = parsedPeer == null ? DEFAULT_PEER : parsedPeer;
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                String value = lines[i].substring(colon + 1);
                headers.computeIfAbsent(lines[i].substring(0, colon).trim(), n -> new ArrayList<>())
                        .add(value.startsWith(" ") ? value.substring(1) : value);
            }
        }
        IpAddress client = RESOLVER.resolve(peer, HeaderLookup.of(headers));
        assertThat(client).isNotNull();
        if (!PROXIES.contains(peer)) {
            assertThat(client).isEqualTo(peer);
        }
        if (headers.isEmpty()) {
            assertThat(client).isEqualTo(peer);
        }
        assertThat(IpAddress.parse(client.toString())).isEqualTo(client);
        assertThat(RESOLVER.resolve(peer, HeaderLookup.of(headers))).isEqualTo(client);
    }
}
