package dev.moat.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every accepted spelling of an address parses to one value with one canonical text. */
class IpAddressNormalisationTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        // IPv4, with and without a port
        "203.0.113.7              | 203.0.113.7",
        "0.0.0.0                  | 0.0.0.0",
        "255.255.255.255          | 255.255.255.255",
        "203.0.113.7:5123         | 203.0.113.7",
        "203.0.113.7:0            | 203.0.113.7",
        "203.0.113.7:65535        | 203.0.113.7",
        // IPv6: compression, case, leading zeros, brackets, ports
        "2001:db8::1              | 2001:db8::1",
        "2001:DB8::1              | 2001:db8::1",
        "2001:0db8:0000:0000:0000:0000:0000:0001 | 2001:db8::1",
        "[2001:db8::1]            | 2001:db8::1",
        "[2001:db8::1]:443        | 2001:db8::1",
        "[2001:DB8::1]:443        | 2001:db8::1",
        "::                       | ::",
        "0:0:0:0:0:0:0:0          | ::",
        "::1                      | ::1",
        "0:0:0:0:0:0:0:1          | ::1",
        "1::                      | 1::",
        "1:0:0:0:0:0:0:0          | 1::",
        "1:2:3:4:5:6:7:8          | 1:2:3:4:5:6:7:8",
        "1:2:3:4:5:6:7::          | 1:2:3:4:5:6:7:0",
        "::2:3:4:5:6:7:8          | 0:2:3:4:5:6:7:8",
        // RFC 5952 4.2.2: one zero group is not compressed
        "2001:db8:0:1:1:1:1:1     | 2001:db8:0:1:1:1:1:1",
        // RFC 5952 4.2.3: the longest run is compressed, the first on a tie
        "2001:0:0:1:0:0:0:1       | 2001:0:0:1::1",
        "2001:db8:0:0:1:0:0:1     | 2001:db8::1:0:0:1",
        "1:0:0:2:0:0:3:4          | 1::2:0:0:3:4",
        "fe80::abcd:EF01          | fe80::abcd:ef01",
        "[::1]:8080               | ::1",
        // embedded IPv4 in IPv6 that is not mapped stays IPv6 (shown in hex)
        "::1.2.3.4                | ::102:304",
        "64:ff9b::192.0.2.33      | 64:ff9b::c000:221",
        "1:2:3:4:5:6:1.2.3.4      | 1:2:3:4:5:6:102:304",
        "::ffff:0:1.2.3.4         | ::ffff:0:102:304",
        // IPv4-mapped IPv6 is the IPv4 address
        "::ffff:1.2.3.4           | 1.2.3.4",
        "::FFFF:1.2.3.4           | 1.2.3.4",
        "::ffff:0102:0304         | 1.2.3.4",
        "0:0:0:0:0:ffff:a00:1     | 10.0.0.1",
        "[::ffff:10.0.0.1]:443    | 10.0.0.1",
        "[::ffff:10.0.0.1]        | 10.0.0.1",
    })
    void parsesToCanonicalText(String input, String canonical) {
        IpAddress address = IpAddress.parse(input);
        assertThat(address).hasToString(canonical);
        assertThat(IpAddress.parse(canonical)).isEqualTo(address).hasSameHashCodeAs(address);
        assertThat(IpAddress.tryParse(input)).isEqualTo(address);
    }

    @Test
    void mappedAddressesAreIpv4() {
        IpAddress mapped = IpAddress.parse("::ffff:203.0.113.7");
        assertThat(mapped.isV4()).isTrue();
        assertThat(mapped.bits()).isEqualTo(32);
        assertThat(mapped).isEqualTo(IpAddress.parse("203.0.113.7"));
        assertThat(IpAddress.parse("2001:db8::1").isV4()).isFalse();
        assertThat(IpAddress.parse("2001:db8::1").bits()).isEqualTo(128);
    }

    @Test
    void familiesAreDistinctEvenWithTheSameLowBits() {
        assertThat(IpAddress.parse("0.0.0.1")).isNotEqualTo(IpAddress.parse("::1"));
        assertThat(IpAddress.parse("::1.2.3.4")).isNotEqualTo(IpAddress.parse("1.2.3.4"));
    }

    @Test
    void bytesRoundTripAndMappedBytesUnwrap() {
        IpAddress v6 = IpAddress.parse("2001:db8::8a2e:370:7334");
        assertThat(IpAddress.ofBytes(v6.toBytes())).isEqualTo(v6);
        assertThat(v6.toBytes()).hasSize(16);
        assertThat(IpAddress.parse("192.0.2.1").toBytes()).containsExactly(192, 0, 2, 1);
        byte[] mapped = new byte[16];
        mapped[10] = (byte) 0xff;
        mapped[11] = (byte) 0xff;
        mapped[12] = 10;
        mapped[15] = 1;
        assertThat(IpAddress.ofBytes(mapped)).isEqualTo(IpAddress.parse("10.0.0.1"));
    }

    @Test
    void prefixKeyNamesWhatABanCovers() {
        assertThat(IpAddress.parse("2001:db8::1").prefixKey(64)).hasToString("cidr:2001:db8::/64");
        assertThat(IpAddress.parse("2001:db8:1:2:3:4:5:6").prefixKey(48)).hasToString("cidr:2001:db8:1::/48");
        assertThat(IpAddress.parse("2001:db8::1").prefixKey(128)).hasToString("ip:2001:db8::1");
        assertThat(IpAddress.parse("203.0.113.7").prefixKey(64)).hasToString("ip:203.0.113.7");
        assertThat(IpAddress.parse("::ffff:203.0.113.7").prefixKey(64)).hasToString("ip:203.0.113.7");
        assertThat(IpAddress.parse("2001:db8::1").prefixKey(64).kind()).isEqualTo(Subject.Kind.CIDR);
        assertThat(IpAddress.parse("2001:db8::1").prefixKey(64).asCidr().contains(IpAddress.parse("2001:db8::ffff")))
                .isTrue();
    }

    @Test
    void ordersIpv4BeforeIpv6ThenNumerically() {
        assertThat(IpAddress.parse("255.255.255.255")).isLessThan(IpAddress.parse("::"));
        assertThat(IpAddress.parse("9.0.0.0")).isLessThan(IpAddress.parse("10.0.0.0"));
        assertThat(IpAddress.parse("8000::")).isGreaterThan(IpAddress.parse("7fff::"));
    }
}
