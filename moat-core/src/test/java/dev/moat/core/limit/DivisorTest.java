package dev.moat.core.limit;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** The multiply-and-correct division agrees with {@code /} everywhere it is used: x >= 0, any d >= 1. */
class DivisorTest {

    @Test
    void agreesWithHardwareDivisionOnEdgesAndRandomValues() {
        SplittableRandom random = new SplittableRandom(7);
        long[] divisors = {1, 2, 3, 5, 7, 10, 1000, 5625, 1_000_000, 32768, 42_857_142_857L, (1L << 32) - 1, 1L << 32,
                (1L << 62) + 1, Long.MAX_VALUE - 1, Long.MAX_VALUE};
        for (int round = 0; round < 200; round++) {
            long d = round < divisors.length ? divisors[round]
                    : round % 2 == 0 ? random.nextLong(1, 1L << random.nextInt(1, 63)) : random.nextLong(1, Long.MAX_VALUE);
            Divisor div = new Divisor(d);
            long[] xs = {0, 1, d - 1, d, d + 1, 2 * d - 1 < 0 ? Long.MAX_VALUE : 2 * d - 1, Long.MAX_VALUE,
                    Long.MAX_VALUE - 1, Long.MAX_VALUE / d * d, Long.MAX_VALUE / d * d - 1};
            for (long x : xs) {
                check(div, x);
            }
            for (int i = 0; i < 20_000; i++) {
                check(div, random.nextLong(0, Long.MAX_VALUE));
                check(div, random.nextLong(0, Math.max(2, Math.min(Long.MAX_VALUE, d * 1000 < 0 ? Long.MAX_VALUE : d * 1000))));
            }
        }
    }

    private static void check(Divisor div, long x) {
        long d = div.value();
        if (x < 0) {
            return;
        }
        assertThat(div.quotient(x)).as("%d / %d", x, d).isEqualTo(x / d);
        assertThat(div.ceilQuotient(x)).as("ceil %d / %d", x, d).isEqualTo(x / d + (x % d == 0 ? 0 : 1));
        assertThat(div.divides(x)).as("%d divides %d", d, x).isEqualTo(x % d == 0);
        long multiple = x / d * d;
        assertThat(div.divides(multiple)).as("%d divides %d", d, multiple).isTrue();
    }
}
