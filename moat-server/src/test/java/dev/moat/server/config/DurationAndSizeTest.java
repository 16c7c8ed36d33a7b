package dev.moat.server.config;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DurationAndSizeTest {

    @Test
    void everyDurationUnitOfTheSpecParses() {
        assertThat(Durations.parseMillis("500ms")).isEqualTo(500);
        assertThat(Durations.parseMillis("30s")).isEqualTo(30_000);
        assertThat(Durations.parseMillis("5m")).isEqualTo(300_000);
        assertThat(Durations.parseMillis("2h")).isEqualTo(7_200_000);
        assertThat(Durations.parseMillis("1d")).isEqualTo(86_400_000);
        assertThat(Durations.parseMillis("1w")).isEqualTo(604_800_000);
        assertThat(Durations.parseMillis("250")).isEqualTo(250);
        assertThat(Durations.parseMillis("0")).isZero();
        assertThat(Durations.parseMillis(" 90d ")).isEqualTo(90L * 86_400_000);
    }

    @Test
    void badDurationsSayWhatIsAcceptedAndQuoteTheValue() {
        assertThatThrownBy(() -> Durations.parseMillis("5 minutes"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'5 minutes'").hasMessageContaining("500ms, 30s, 5m");
        assertThatThrownBy(() -> Durations.parseMillis("5M")).hasMessageContaining("'5M'");
        assertThatThrownBy(() -> Durations.parseMillis("1.5h")).hasMessageContaining("'1.5h'");
        assertThatThrownBy(() -> Durations.parseMillis("-5s")).hasMessageContaining("negative");
        assertThatThrownBy(() -> Durations.parseMillis("")).hasMessageContaining("''");
        assertThatThrownBy(() -> Durations.parseMillis("99999999999999999w")).hasMessageContaining("too long");
    }

    @Test
    void durationsFormatInTheLargestExactUnit() {
        assertThat(Durations.format(7_200_000)).isEqualTo("2h");
        assertThat(Durations.format(90_000)).isEqualTo("90s");
        assertThat(Durations.format(1500)).isEqualTo("1500ms");
        assertThat(Durations.format(604_800_000)).isEqualTo("1w");
        assertThat(Durations.format(0)).isEqualTo("0");
        for (long ms : new long[] {1, 999, 1000, 61_000, 3_600_000, 86_400_000L * 30}) {
            assertThat(Durations.parseMillis(Durations.format(ms))).isEqualTo(ms);
        }
    }

    @Test
    void sizesArePowersOf1024() {
        assertThat(Sizes.parseBytes("512")).isEqualTo(512);
        assertThat(Sizes.parseBytes("20KB")).isEqualTo(20 * 1024);
        assertThat(Sizes.parseBytes("20MB")).isEqualTo(20L * 1024 * 1024);
        assertThat(Sizes.parseBytes("1GB")).isEqualTo(1L << 30);
        assertThat(Sizes.parseBytes("64kb")).isEqualTo(64 * 1024);
        assertThat(Sizes.parseBytes("1 MiB")).isEqualTo(1 << 20);
        assertThat(Sizes.parseBytes("10B")).isEqualTo(10);
    }

    @Test
    void badSizesQuoteTheValue() {
        assertThatThrownBy(() -> Sizes.parseBytes("20 parsecs")).hasMessageContaining("'parsecs'");
        assertThatThrownBy(() -> Sizes.parseBytes("1.5MB")).hasMessageContaining("'1.5MB'");
        assertThatThrownBy(() -> Sizes.parseBytes("-1KB")).hasMessageContaining("negative");
        assertThatThrownBy(() -> Sizes.parseBytes("99999999999TB")).hasMessageContaining("too large");
    }

    @Test
    void sizesFormatInTheLargestExactUnit() {
        assertThat(Sizes.format(65536)).isEqualTo("64KB");
        assertThat(Sizes.format(1000)).isEqualTo("1000");
        assertThat(Sizes.format(1L << 30)).isEqualTo("1GB");
        assertThat(Sizes.format(0)).isEqualTo("0");
    }
}
