package dev.moat.core.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Text that is not exactly one IP address is refused, with a message that says why. */
class IpAddressRejectionTest {

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {
        "", " ", "1.2.3", "1.2.3.256", "1.2.3.4.5", "1.2.3.", ".1.2.3", "1..2.3", "127.1",
        "1.2.3.-4", "+1.2.3.4", "1.2.3.4 ", " 1.2.3.4", "1.2. 3.4", "0x1.2.3.4", "1.2.3.0x4",
        "::1::", "12345::", "gggg::", ":1::", "1::2:", ":", ":::", "1:::2", "1:2:3:4:5:6:7:8:9",
        "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "1::2::3", "1:2:3:4:5:6:7:1.2.3.4",
        "::1.2.3", "::1.2.3.4:5", "::1.2.3.4.5", "1.2.3.4::", "::ffff:1.2.3.256", "::ffff:01.2.3.4",
        "2001:db8::g", "2001:db8::1 ", "2001 :db8::1",
        "[2001:db8::1", "2001:db8::1]", "[2001:db8::1]:", "[2001:db8::1]:65536", "[2001:db8::1]:-1",
        "[2001:db8::1]x", "[2001:db8::1]:443:1", "[1.2.3.4]", "[1.2.3.4]:80", "[]", "[::1]]",
        "1.2.3.4:", "1.2.3.4:65536", "1.2.3.4:123456", "1.2.3.4:x", "1.2.3.4:-1",
        "localhost", "example.org", "unknown", "_hidden", "1.2.3.4/32",
        "\u0661.2.3.4", "１.2.3.4", "1.2.3.4\u0000", "::\uff11",
    })
    void refused(String text) {
        assertThat(IpAddress.tryParse(text)).isNull();
        assertThatThrownBy(() -> IpAddress.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("not an IP address: ");
    }

    @Test
    void messagesSayWhatIsWrong() {
        assertThatThrownBy(() -> IpAddress.parse("1.2.3"))
                .hasMessage("not an IP address: '1.2.3' (IPv4 needs 4 parts, got 3)");
        assertThatThrownBy(() -> IpAddress.parse("1.2.3.256"))
                .hasMessage("not an IP address: '1.2.3.256' (IPv4 parts are 0 to 255)");
        assertThatThrownBy(() -> IpAddress.parse("::1::"))
                .hasMessage("not an IP address: '::1::' ('::' may appear only once)");
        assertThatThrownBy(() -> IpAddress.parse("12345::"))
                .hasMessage("not an IP address: '12345::' (IPv6 groups have at most 4 hex digits)");
        assertThatThrownBy(() -> IpAddress.parse("gggg::"))
                .hasMessage("not an IP address: 'gggg::' (unexpected character 'g' at position 0)");
        assertThatThrownBy(() -> IpAddress.parse(""))
                .hasMessage("not an IP address: '' (empty)");
        assertThatThrownBy(() -> IpAddress.parse("[2001:db8::1]:99999"))
                .hasMessageContaining("port is not a number from 0 to 65535");
    }

    @ParameterizedTest
    @ValueSource(strings = {"fe80::1%eth0", "fe80::1%25eth0", "[fe80::1%eth0]:443", "fe80::%1", "::ffff:1.2.3.4%2"})
    void zoneIdsAreRefused(String text) {
        assertThat(IpAddress.tryParse(text)).isNull();
        assertThatThrownBy(() -> IpAddress.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("zone ids are not accepted: ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"010.1.1.1", "1.01.1.1", "1.1.1.00", "0127.0.0.1", "::ffff:010.0.0.1", "010.1.1.1:80"})
    void ipv4PartsWithLeadingZerosAreRefusedAsAmbiguous(String text) {
        assertThatThrownBy(() -> IpAddress.parse(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("leading zero")
                .hasMessageContaining("ambiguous");
    }

    @Test
    void longTextIsRefusedByLengthAndQuotedOnlyInPart() {
        String huge = "1".repeat(1_000_000);
        assertThat(IpAddress.tryParse(huge)).isNull();
        assertThatThrownBy(() -> IpAddress.parse(huge))
                .hasMessageContaining("longer than 64 characters")
                .hasMessageContaining("(1000000 chars)")
                .matches(e -> e.getMessage().length() < 200, "short message");
        // the longest legitimate spelling still fits
        String longest = "[0000:0000:0000:0000:0000:ffff:255.255.255.255]:65535";
        assertThat(IpAddress.parse(longest)).hasToString("255.255.255.255");
    }

    @Test
    void messagesEscapeControlCharacters() {
        assertThatThrownBy(() -> IpAddress.parse("1.2.3.4\nFAKE LOG LINE"))
                .hasMessageContaining("\\u000a")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }

    @Test
    void tryParseOfNullIsNull() {
        assertThat(IpAddress.tryParse(null)).isNull();
    }
}
