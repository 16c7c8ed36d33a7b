package dev.moat.core;

import dev.moat.core.ban.Ban;
import dev.moat.core.ban.BanSource;
import dev.moat.core.ban.LogEntry;
import dev.moat.core.policy.MoatPolicy;
import dev.moat.core.store.Page;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.moat.core.Policies.HOUR;
import static dev.moat.core.Policies.MINUTE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** An operator bans, lists, unbans and resets scores; every step is in the log with who did it. */
class ManualBanLifecycleTest {

    private final ManualClock clock = new ManualClock();
    private final Moat moat = Policies.moat(clock, MoatPolicy.defaults().withRateLimits(Policies.limits().build()));

    private Decision join(String user, String ip) {
        return moat.check(CheckRequest.builder("join").user(user).ip(ip).build());
    }

    @Test
    void banListCheckUnbanAllow() {
        Ban ban = moat.ban("user:mallory", 2 * HOUR, "spam in #general", "alice-admin");
        assertThat(ban.source()).isEqualTo(BanSource.MANUAL);
        assertThat(ban.actor()).isEqualTo("alice-admin");
        assertThat(ban.reason()).isEqualTo("spam in #general");
        assertThat(ban.expiresAtMillis() - ban.createdAtMillis()).isEqualTo(2 * HOUR);
        clock.advanceMillis(1);
        moat.ban("ip:198.51.100.7", HOUR, "scanner", "ops");
        clock.advanceMillis(1);
        moat.reportViolation("message_limit", "bob", "203.0.113.5", 20.0, null); // auto: user:bob and its ip

        assertThat(moat.bans(null, null, null, 10).items()).extracting(Ban::subject)
                .containsExactlyInAnyOrder("user:mallory", "ip:198.51.100.7", "user:bob", "ip:203.0.113.5");
        assertThat(moat.bans("mallory", null, null, 10).items()).extracting(Ban::subject).containsExactly("user:mallory");
        assertThat(moat.bans("198.51", null, null, 10).items()).extracting(Ban::subject).containsExactly("ip:198.51.100.7");
        assertThat(moat.bans(null, BanSource.MANUAL, null, 10).items()).extracting(Ban::subject)
                .containsExactly("ip:198.51.100.7", "user:mallory"); // newest first
        assertThat(moat.bans(null, BanSource.AUTO, null, 10).items()).extracting(Ban::subject)
                .containsExactlyInAnyOrder("user:bob", "ip:203.0.113.5");

        clock.advanceMillis(30 * MINUTE);
        Decision refused = join("mallory", "192.0.2.1");
        assertThat(refused.verdict()).isEqualTo(Verdict.DENY);
        assertThat(refused.reason()).isEqualTo(Reason.BANNED);
        assertThat(refused.ban().subject()).isEqualTo("user:mallory");
        assertThat(refused.retryAfterMillis()).isEqualTo(2 * HOUR - 30 * MINUTE - 2);
        assertThat(refused.message()).contains("1 hour 30 minutes");

        assertThat(moat.unban("user:mallory", "alice-admin", "appeal accepted")).isTrue();
        assertThat(join("mallory", "192.0.2.1").allowed()).isTrue();
        assertThat(moat.bans("mallory", null, null, 10).items()).isEmpty();
        assertThat(moat.banOf("user:mallory")).isNull();

        List<LogEntry> log = moat.history("user:mallory", null, 10).log().items();
        assertThat(log).extracting(LogEntry::kind).containsExactly(LogEntry.Kind.UNBAN, LogEntry.Kind.BAN);
        assertThat(log.get(0).actor()).isEqualTo("alice-admin");
        assertThat(log.get(0).detail()).isEqualTo("appeal accepted");
        assertThat(log.get(1).actor()).isEqualTo("alice-admin");
        assertThat(log.get(1).detail()).isEqualTo("spam in #general");
    }

    @Test
    void unbanOfASubjectWithoutABanReturnsFalseAndLogsNothing() {
        assertThat(moat.unban("user:nobody", "ops", null)).isFalse();
        moat.ban("user:mallory", HOUR, null, "ops");
        assertThat(moat.unban("user:mallory", "ops", null)).isTrue();
        assertThat(moat.unban("user:mallory", "ops", null)).as("second unban").isFalse();
        assertThat(moat.history("user:mallory", null, 10).log().items()).hasSize(2);
    }

    /*
     * Regression: MemoryStateStore.log() once sorted an immutable empty list for a subject with no
     * entries and threw, which would have made GET /v1/violations/{subject} a 500.
     */
    @Test
    void historyOfASubjectWithNoEntriesIsEmpty() {
        Moat.History h = moat.history("user:nobody", null, 10);
        assertThat(h.scores()).isEmpty();
        assertThat(h.log().items()).isEmpty();
        assertThat(h.log().next()).isNull();
    }

    @Test
    void unbanOfABanThatHasAlreadyExpiredReturnsFalse() {
        moat.ban("user:mallory", HOUR, null, "ops");
        clock.advanceMillis(HOUR);
        assertThat(moat.unban("user:mallory", "ops", "too late")).isFalse();
        assertThat(moat.history("user:mallory", null, 10).log().items()).extracting(LogEntry::kind)
                .containsExactly(LogEntry.Kind.BAN);
    }

    @Test
    void aManualBanNeedsAPositiveDurationAndAValidSubject() {
        assertThatThrownBy(() -> moat.ban("user:mallory", 0, null, "ops"))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("duration"));
        assertThatThrownBy(() -> moat.ban("mallory", HOUR, null, "ops"))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("subject"));
        assertThatThrownBy(() -> moat.ban("ip:999.1.1.1", HOUR, null, "ops"))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.field()).isEqualTo("subject"));
    }

    @Test
    void resetScoresZeroesThemAndLogsWhoDidIt() {
        for (int i = 0; i < 15; i++) {
            moat.reportViolation("logins", "bob", null, null, null);
        }
        moat.reportViolation("message_limit", "bob", null, 3.0, null);
        assertThat(moat.history("user:bob", null, 10).scores()).containsEntry("logins", 15.0).containsEntry("message_limit", 3.0);

        moat.resetScores("user:bob", "carol-admin", "false positive");
        Moat.History h = moat.history("user:bob", null, 10);
        assertThat(h.scores()).isEmpty();
        LogEntry reset = h.log().items().get(0);
        assertThat(reset.kind()).isEqualTo(LogEntry.Kind.RESET);
        assertThat(reset.actor()).isEqualTo("carol-admin");
        assertThat(reset.detail()).isEqualTo("false positive");

        // counting starts over: 15 more do not reach 20
        for (int i = 0; i < 15; i++) {
            assertThat(moat.reportViolation("logins", "bob", null, null, null).ban()).isNull();
        }
    }

    @Test
    void theViolationLogIsNewestFirstAndPaginatedByCursor() {
        for (int i = 1; i <= 5; i++) {
            moat.reportViolation("send_report_limit", "carol", "203.0.113.8", 1.0, "v" + i);
            clock.advanceMillis(1000);
        }
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            Page<LogEntry> page = moat.history("user:carol", cursor, 2).log();
            assertThat(page.items()).hasSizeLessThanOrEqualTo(2);
            page.items().forEach(e -> seen.add(e.detail()));
            cursor = page.next();
            pages++;
        } while (cursor != null);
        assertThat(seen).containsExactly("v5", "v4", "v3", "v2", "v1");
        assertThat(pages).isEqualTo(3);

        LogEntry newest = moat.history("user:carol", null, 1).log().items().get(0);
        assertThat(newest.kind()).isEqualTo(LogEntry.Kind.VIOLATION);
        assertThat(newest.type()).isEqualTo("send_report_limit");
        assertThat(newest.score()).isEqualTo(1.0);
        assertThat(newest.total()).isEqualTo(5.0);
        assertThat(newest.actor()).isEqualTo("moat");
        assertThat(newest.facts()).containsEntry("user", "carol").containsEntry("ip", "203.0.113.8");
        assertThat(newest.atMillis()).isEqualTo(clock.nowMillis() - 1000);
    }

    @Test
    void pruneLogDropsEntriesPastTheRetention() {
        moat.reportViolation("logins", "dave", null, null, "old");
        clock.advanceMillis(91 * Policies.DAY);
        moat.reportViolation("logins", "dave", null, null, "new");
        assertThat(moat.pruneLog()).isEqualTo(1);
        assertThat(moat.history("user:dave", null, 10).log().items()).extracting(LogEntry::detail).containsExactly("new");
    }
}
