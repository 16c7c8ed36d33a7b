package dev.moat.core;

import dev.moat.core.ban.Ban;
import dev.moat.core.ban.BanSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Regression (found by AddressChurnReliabilityTest): the ban book dropped an expired ban only when
 * its subject was looked up again, so the bans of addresses a botnet never uses again stayed in
 * memory for good, and {@link Moat#activeBanCount()} (health's bans_active, the
 * moat_bans_active gauge) counted them as active.
 */
class ExpiredBansOfSubjectsThatNeverReturnAreDroppedTest {

    static Ban ban(String subject, long now, long millis) {
        return new Ban(subject, "test", "manual", BanSource.MANUAL, now, now + millis, 0, "test");
    }

    @Test
    void theBookStaysWithinTwiceTheBansInForceWhenSubjectsNeverReturn() {
        BanBook book = new BanBook();
        long now = 1_767_225_600_000L;
        for (int round = 0; round < 40; round++) {
            for (int i = 0; i < 10_000; i++) {
                book.put(ban("ip:10." + round + "." + (i >> 8) + "." + (i & 255), now, 60_000), now);
            }
            now += 120_000; // every ban of this round has expired before the next
            assertThat(book.size()).as("bans held after round %d", round).isLessThanOrEqualTo(2 * 10_000 + BanBook.PURGE_MIN);
        }
        assertThat(book.activeCount(now)).isZero();
        assertThat(book.size()).isZero();
    }

    @Test
    void activeBanCountCountsOnlyBansInForce() {
        ManualClock clock = new ManualClock();
        Moat moat = Moat.builder().clock(clock).build();
        moat.ban("user:short", 60_000, "x", "ops");
        moat.ban("user:long", 3_600_000, "x", "ops");
        moat.ban("cidr:198.51.100.0/24", 60_000, "x", "ops");
        assertThat(moat.activeBanCount()).isEqualTo(3);
        clock.advanceMillis(60_000);
        assertThat(moat.activeBanCount()).isEqualTo(1);
        assertThat(moat.banOf("user:long")).isNotNull();
    }

    @Test
    void aNewerBanOfTheSameSubjectSurvivesThePurge() {
        BanBook book = new BanBook();
        long now = 1_767_225_600_000L;
        book.put(ban("user:a", now - 10_000, 5_000), now);
        book.put(ban("user:a", now, 60_000), now);
        book.purgeExpired(now);
        assertThat(book.get("user:a", now)).isNotNull();
    }
}
