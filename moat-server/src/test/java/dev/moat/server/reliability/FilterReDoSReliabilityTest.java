package dev.moat.server.reliability;

import dev.moat.core.CheckRequest;
import dev.moat.core.Decision;
import dev.moat.core.ManualClock;
import dev.moat.core.Moat;
import dev.moat.server.config.ConfigException;
import dev.moat.server.config.ConfigLoader;
import dev.moat.server.config.MoatConfig;
import dev.moat.server.config.Re2TextMatcher;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * ReDoS through filters: the classic catastrophic-backtracking patterns, compiled exactly as the
 * config compiles them ({@link Re2TextMatcher}), run over a megabyte of the input that makes a
 * backtracking engine take exponential (or at best quadratic) time. RE2/J simulates the automaton
 * instead, so each run is linear: the timeout below is not a measurement, it is the line between
 * "linear" (well under a second a pattern here) and "backtracking" (longer than the age of the
 * universe for the exponential ones, hours for the quadratic ones on a megabyte).
 * Patterns whose counted repetitions would expand the program are refused when the config loads.
 */
class FilterReDoSReliabilityTest {
    static final int MB = 1 << 20;

    /** {pattern, hostile input}: each input is built to make a backtracking engine fail slowly. */
    static final List<String[]> CATASTROPHIC = List.of(
            new String[] {"(a+)+$", "a".repeat(MB) + "!"},
            new String[] {"(a|aa)+$", "a".repeat(MB) + "!"},
            new String[] {"(a|a?)+b", "a".repeat(MB)},
            new String[] {"(x+x+)+y", "x".repeat(MB)},
            new String[] {"(\\w+\\s?)+$", "word ".repeat(MB / 5) + "!"},
            new String[] {"(\\d+)*\\d+x", "1".repeat(MB)},
            new String[] {"^(([a-z])+.)+[A-Z]([a-z])+$", "aaaaaaaaaa".repeat(MB / 10) + "!"},
            new String[] {"(.*a){12}", "a".repeat(MB / 2) + "b".repeat(MB / 2)},
            new String[] {"(?i)(\\b\\w+\\b\\s*)+\\.$", "lorem ipsum ".repeat(MB / 12) + "?"},
            new String[] {"^([a-zA-Z0-9])(([\\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$",
                    "a".repeat(MB) + "@"},
            new String[] {"(https?://)?([\\w-]+\\.)+[\\w-]+(/[\\w- ./?%&=]*)?!", "http://" + "a.".repeat(MB / 2)});

    @Test
    void catastrophicPatternsRunInLinearTimeOnAMegabyteOfHostileText() {
        for (String[] c : CATASTROPHIC) {
            Re2TextMatcher m = Re2TextMatcher.compile(c[0]);
            AtomicInteger matches = new AtomicInteger();
            long start = System.nanoTime();
            assertTimeoutPreemptively(Duration.ofSeconds(60), () -> m.findAll(c[1], (s, e) -> {
                matches.incrementAndGet();
                return true;
            }), c[0]);
            System.out.printf("ReDoS: %-50.50s on %d chars: %d matches in %d ms%n", c[0], c[1].length(), matches.get(),
                    (System.nanoTime() - start) / 1_000_000);
        }
    }

    @Test
    void repetitionsThatWouldExpandTheProgramAreRefusedAtLoadNamingThePattern() {
        for (String p : List.of("((a{1000}){1000}){1000}", "(.*){1,32000}[bc]", "(\\w{1,1000}){1,1000}x",
                "[a-z]{1000}[0-9]{1000}".repeat(11))) {
            assertThatThrownBy(() -> Re2TextMatcher.compile(p)).as(p).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("too complex");
        }
        assertThatThrownBy(() -> ConfigLoader.parse("""
                filters:
                  - {name: bomb, patterns: ['((a{1000}){1000}){1000}'], action: block}
                """, "moat.yaml", Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("filters").hasMessageContaining("too complex");
    }

    /**
     * Through the engine, as a config file declares them: every catastrophic pattern at once, as
     * censor and block filters, on the longest message text the API accepts (64 Ki characters).
     */
    @Test
    void theEngineChecksHostileMessagesAgainstEveryCatastrophicFilterAtOnce() throws Exception {
        StringBuilder yaml = new StringBuilder("rate_limits: {preset: none}\nfilters:\n");
        for (int i = 0; i < CATASTROPHIC.size(); i++) {
            yaml.append("  - {name: f").append(i).append(", patterns: ['")
                    .append(CATASTROPHIC.get(i)[0].replace("'", "''")).append("'], where: [public, dm], action: ")
                    .append(i % 2 == 0 ? "censor" : "report").append("}\n");
        }
        MoatConfig config = ConfigLoader.parse(yaml.toString(), "moat.yaml", Map.of());
        Moat moat = Moat.builder().policy(config.policy()).clock(new ManualClock()).build();
        int max = 64 * 1024;
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (String[] c : CATASTROPHIC) {
                String text = c[1].substring(0, Math.min(max, c[1].length()));
                Decision d = moat.check(CheckRequest.builder("message").user("mallory").publicMessage("!room", text).build());
                assertThat(d).isNotNull();
            }
        });
    }
}
