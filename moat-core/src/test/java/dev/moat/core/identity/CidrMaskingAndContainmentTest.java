package dev.moat.core.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** CIDR blocks are canonical (host bits masked) and contain exactly their own family's members. */
class CidrMaskingAndContainmentTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "203.0.113.0/24        | 203.0.113.0/24",
        "203.0.113.9/24        | 203.0.113.0/24",
        "203.0.113.255/25      | 203.0.113.128/25",
        "10.1.2.3/8            | 10.0.0.0/8",
        "10.1.2.3/0            | 0.0.0.0/0",
        "10.1.2.3/32           | 10.1.2.3/32",
        "10.1.2.3              | 10.1.2.3/32",
        "2001:db8::/64         | 2001:db8::/64",
        "2001:DB8:0:0:1::7/64  | 2001:db8::/64",
        "2001:db8:1234:5678:9abc::/48 | 2001:db8:1234::/48",
        "2001:db8::1           | 2001:db8::1/128",
        "2001:db8::1/127       | 2001:db8::/127",
        "2001:db8::ffff/65     | 2001:db8::/65",
        "2001:db8::8000:0:0:0/65 | 2001:db8:0:0:8000::/65",
        "::/0                  | ::/0",
        "ffff:ffff::/1         | 8000::/1",
        // IPv4-mapped blocks are IPv4 blocks
        "::ffff:0:0/96         | 0.0.0.0/0",
        "::ffff:10.0.0.0/104   | 10.0.0.0/8",
        "::ffff:10.1.2.3/120   | 10.1.2.0/24",
        "::ffff:10.1.2.3       | 10.1.2.3/32",
        "::ffff:10.1.2.3/128   | 10.1.2.3/32",
        // wider than the mapped range: stays IPv6
        "::ffff:10.1.2.3/80    | ::/80",
        "::ffff:0:0/95         | ::fffe:0:0/95",
    })
    void parsesToCanonicalBlock(String input, String canonical) {
        Cidr cidr = Cidr.parse(input);
        assertThat(cidr).hasToString(canonical);
        assertThat(Cidr.parse(canonical)).isEqualTo(cidr).hasSameHashCodeAs(cidr);
    }

    @Test
    void containsIpv4Members() {
        Cidr block = Cidr.parse("203.0.113.0/24");
        assertThat(block.contains(IpAddress.parse("203.0.113.0"))).isTrue();
        assertThat(block.contains(IpAddress.parse("203.0.113.255"))).isTrue();
        assertThat(block.contains(IpAddress.parse("::ffff:203.0.113.77"))).isTrue();
        assertThat(block.contains(IpAddress.parse("203.0.114.0"))).isFalse();
        assertThat(block.contains(IpAddress.parse("203.0.112.255"))).isFalse();
        assertThat(Cidr.parse("0.0.0.0/0").contains(IpAddress.parse("255.255.255.255"))).isTrue();
        assertThat(Cidr.parse("10.0.0.1").contains(IpAddress.parse("10.0.0.1"))).isTrue();
        assertThat(Cidr.parse("10.0.0.1").contains(IpAddress.parse("10.0.0.2"))).isFalse();
    }

    @Test
    void containsIpv6Members() {
        Cidr slash64 = Cidr.parse("2001:db8:1:2::/64");
        assertThat(slash64.contains(IpAddress.parse("2001:db8:1:2:ffff:ffff:ffff:ffff"))).isTrue();
        assertThat(slash64.contains(IpAddress.parse("2001:db8:1:3::"))).isFalse();
        Cidr slash65 = Cidr.parse("2001:db8::/65");
        assertThat(slash65.contains(IpAddress.parse("2001:db8::7fff:ffff:ffff:ffff"))).isTrue();
        assertThat(slash65.contains(IpAddress.parse("2001:db8::8000:0:0:0"))).isFalse();
        Cidr slash33 = Cidr.parse("2001:db8::/33");
        assertThat(slash33.contains(IpAddress.parse("2001:db8:7fff::1"))).isTrue();
        assertThat(slash33.contains(IpAddress.parse("2001:db8:8000::1"))).isFalse();
        assertThat(Cidr.parse("::/0").contains(IpAddress.parse("ffff::1"))).isTrue();
    }

    @Test
    void familiesNeverMix() {
        assertThat(Cidr.parse("::/0").contains(IpAddress.parse("10.0.0.1"))).isFalse();
        assertThat(Cidr.parse("::/0").contains(IpAddress.parse("::ffff:10.0.0.1"))).isFalse();
        assertThat(Cidr.parse("0.0.0.0/0").contains(IpAddress.parse("::1"))).isFalse();
        assertThat(Cidr.parse("::ffff:0:0/96").contains(IpAddress.parse("10.0.0.1"))).isTrue();
    }

    @Test
    void ofMasksTheAddress() {
        assertThat(Cidr.of(IpAddress.parse("2001:db8::1"), 64)).isEqualTo(Cidr.parse("2001:db8::/64"));
        assertThat(Cidr.of(IpAddress.parse("192.0.2.99"), 28)).hasToString("192.0.2.96/28");
        assertThat(Cidr.of(IpAddress.parse("192.0.2.99"), 32).isSingleAddress()).isTrue();
        assertThatThrownBy(() -> Cidr.of(IpAddress.parse("192.0.2.99"), 33))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("out of range for IPv4 (0 to 32)");
        assertThatThrownBy(() -> Cidr.of(IpAddress.parse("::1"), -1))
                .hasMessageContaining("out of range for IPv6 (0 to 128)");
    }

    @Test
    void prefixLengthOutOfRangeIsRefusedClearly() {
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("not a CIDR block: '10.0.0.0/33' (prefix length 33 is out of range for IPv4 (0 to 32))");
        assertThatThrownBy(() -> Cidr.parse("2001:db8::/129"))
                .hasMessage("not a CIDR block: '2001:db8::/129' (prefix length 129 is out of range for IPv6 (0 to 128))");
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {
        "", "/24", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8", "10.0.0.0/08", "10.0.0.0/8/8", "10.0.0.0/ 8",
        "10.0.0.0 /8", "10.0.0.0/1000", "10.0.0/8", "[2001:db8::]/64", "10.0.0.1:80", "10.0.0.1:80/32",
        "2001:db8::/64x", "fe80::%eth0/64", "010.0.0.0/8", "2001:db8::/0x40",
    })
    void malformedBlocksAreRefused(String text) {
        assertThatThrownBy(() -> Cidr.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(Texts.quote(text));
    }

    @Test
    void longTextIsRefusedWithoutScanning() {
        assertThatThrownBy(() -> Cidr.parse("1".repeat(1_000_000) + "/8"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("longer than");
    }
}
