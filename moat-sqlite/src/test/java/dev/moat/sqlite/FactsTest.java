package dev.moat.sqlite;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FactsTest {
    @Test
    void anEmptyMapIsAnEmptyString() {
        assertThat(Facts.encode(Map.of())).isEmpty();
        assertThat(Facts.decode("")).isEmpty();
        assertThat(Facts.decode(null)).isEmpty();
    }

    @Test
    void keysAreSortedAndReadable() {
        assertThat(Facts.encode(Map.of("ip", "203.0.113.7", "action", "login", "user", "@alice:example.org")))
                .isEqualTo("action=login&ip=203.0.113.7&user=@alice:example.org");
    }

    @Test
    void theThreeSeparatorsAreEscapedAndEverythingElseKept() {
        Map<String, String> facts = Map.of("a&b=c%d", "x=y&z%", "", "", "empty", "", "ünï", "ç€ 🚀", "path", "/v1/check?x=1&y=2");

        String encoded = Facts.encode(facts);

        assertThat(encoded).contains("a%26b%3Dc%25d=x%3Dy%26z%25").contains("ünï=ç€ 🚀");
        assertThat(Facts.decode(encoded)).isEqualTo(facts);
    }

    @Test
    void aMalformedColumnIsReportedNotGuessed() {
        assertThatThrownBy(() -> Facts.decode("novalue")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("novalue");
        assertThatThrownBy(() -> Facts.decode("k=%2")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("escape");
    }
}
