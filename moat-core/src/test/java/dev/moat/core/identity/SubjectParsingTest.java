package dev.moat.core.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Subjects parse to one canonical kind:id text, whatever spelling they arrive in. */
class SubjectParsingTest {

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "user:@alice:example.org        | user:@alice:example.org       | USER",
        "user:64f1c0ffee                | user:64f1c0ffee               | USER",
        "USER:Bob                       | user:Bob                      | USER",
        "server:matrix.org              | server:matrix.org             | SERVER",
        "server:Example.ORG:8448        | server:Example.ORG:8448       | SERVER",
        "appservice:irc-bridge          | appservice:irc-bridge         | APPSERVICE",
        "ip:203.0.113.7                 | ip:203.0.113.7                | IP",
        "ip:203.0.113.7:5123            | ip:203.0.113.7                | IP",
        "ip:[2001:DB8::1]:443           | ip:2001:db8::1                | IP",
        "ip:2001:0db8:0:0:0:0:0:1       | ip:2001:db8::1                | IP",
        "ip:::ffff:10.0.0.1             | ip:10.0.0.1                   | IP",
        "Ip:::1                         | ip:::1                        | IP",
        "cidr:203.0.113.9/24            | cidr:203.0.113.0/24           | CIDR",
        "cidr:2001:DB8::1/64            | cidr:2001:db8::/64            | CIDR",
        "cidr:::ffff:10.0.0.0/104       | cidr:10.0.0.0/8               | CIDR",
        // a block of one address is that address
        "cidr:203.0.113.7/32            | ip:203.0.113.7                | IP",
        "cidr:2001:db8::1/128           | ip:2001:db8::1                | IP",
        "cidr:2001:db8::1               | ip:2001:db8::1                | IP",
    })
    void parsesToCanonicalForm(String input, String canonical, Subject.Kind kind) {
        Subject subject = Subject.parse(input);
        assertThat(subject).hasToString(canonical);
        assertThat(subject.kind()).isEqualTo(kind);
        assertThat(subject.id()).isEqualTo(canonical.substring(canonical.indexOf(':') + 1));
        assertThat(Subject.parse(canonical)).isEqualTo(subject).hasSameHashCodeAs(subject);
    }

    @Test
    void idIsEverythingAfterTheFirstColon() {
        Subject subject = Subject.parse("user:@bob:example.org");
        assertThat(subject.id()).isEqualTo("@bob:example.org");
        assertThat(subject.kind().prefix()).isEqualTo("user");
    }

    @Test
    void factoriesMatchParsing() {
        assertThat(Subject.user("@alice:example.org")).isEqualTo(Subject.parse("user:@alice:example.org"));
        assertThat(Subject.server("matrix.org")).isEqualTo(Subject.parse("server:matrix.org"));
        assertThat(Subject.appservice("bridge")).isEqualTo(Subject.parse("appservice:bridge"));
        assertThat(Subject.ip(IpAddress.parse("::ffff:1.2.3.4"))).isEqualTo(Subject.parse("ip:1.2.3.4"));
        assertThat(Subject.cidr(Cidr.parse("10.9.0.0/16"))).isEqualTo(Subject.parse("cidr:10.9.0.0/16"));
        assertThat(Subject.cidr(Cidr.parse("10.9.0.1/32")).kind()).isEqualTo(Subject.Kind.IP);
    }

    @Test
    void valuesOfIpAndCidrSubjects() {
        assertThat(Subject.parse("ip:[::1]:80").asIpAddress()).isEqualTo(IpAddress.parse("::1"));
        assertThat(Subject.parse("cidr:10.0.0.0/8").asCidr()).isEqualTo(Cidr.parse("10.0.0.0/8"));
        assertThatThrownBy(() -> Subject.parse("user:x").asIpAddress()).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> Subject.parse("ip:::1").asCidr()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void differentKindsWithTheSameIdDiffer() {
        assertThat(Subject.parse("user:matrix.org")).isNotEqualTo(Subject.parse("server:matrix.org"));
        assertThat(Subject.parse("user:Alice")).isNotEqualTo(Subject.parse("user:alice"));
    }

    @Test
    void kindPrefixes() {
        assertThat(Subject.Kind.values()).extracting(Subject.Kind::prefix)
                .containsExactly("user", "ip", "cidr", "server", "appservice");
    }

    @Test
    void messagesSayWhatIsWrong() {
        assertThatThrownBy(() -> Subject.parse("robot:x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid subject 'robot:x': unknown kind 'robot', expected user, ip, cidr, server or appservice");
        assertThatThrownBy(() -> Subject.parse("alice"))
                .hasMessageContaining("expected kind:id");
        assertThatThrownBy(() -> Subject.parse("user:"))
                .hasMessage("invalid subject 'user:': empty id");
        assertThatThrownBy(() -> Subject.parse("user:" + "x".repeat(513)))
                .hasMessageContaining("longer than 512 characters");
        assertThatThrownBy(() -> Subject.parse("user:a\nb"))
                .hasMessageContaining("control character U+000A at position 1")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        assertThatThrownBy(() -> Subject.parse("ip:1.2.3"))
                .hasMessage("invalid subject 'ip:1.2.3': not an IP address: '1.2.3' (IPv4 needs 4 parts, got 3)");
        assertThatThrownBy(() -> Subject.parse("ip:10.0.0.0/8"))
                .hasMessageContaining("use cidr:");
        assertThatThrownBy(() -> Subject.parse("cidr:10.0.0.0/33"))
                .hasMessageContaining("prefix length 33 is out of range");
        assertThatThrownBy(() -> Subject.user(""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("empty id");
    }

    @ParameterizedTest(name = "[{0}]")
    @ValueSource(strings = {
        "", ":", ":x", "user", "ip:", "cidr:", "server:", "appservice:", " user:x", "users:x",
        "user:\u0000", "user:a\rb", "user:\u007f", "user:\u0085", "user:a\u2028b", "user:\ud800", "user:\udc00x",
        "ip:fe80::1%eth0", "ip:localhost", "cidr:10.0.0.0/8/8", "cidr:[::]/0",
    })
    void refused(String text) {
        assertThatThrownBy(() -> Subject.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void idsUpTo512CharsAndPairedSurrogatesAreAccepted() {
        assertThat(Subject.parse("user:" + "x".repeat(512)).id()).hasSize(512);
        assertThat(Subject.parse("appservice:" + "y".repeat(512)).id()).hasSize(512);
        assertThat(Subject.parse("user:\ud83d\ude00 smile").id()).isEqualTo("\ud83d\ude00 smile");
        assertThat(Subject.parse("user:ünïcödé").id()).isEqualTo("ünïcödé");
    }

    @Test
    void hugeTextIsRefusedByLength() {
        assertThatThrownBy(() -> Subject.parse("user:" + "x".repeat(1_000_000)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("longer than 512")
                .matches(e -> e.getMessage().length() < 300, "short message");
    }
}
