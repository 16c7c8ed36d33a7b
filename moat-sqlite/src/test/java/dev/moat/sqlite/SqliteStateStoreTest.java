package dev.moat.sqlite;

import dev.moat.core.ManualClock;
import dev.moat.core.ban.Ban;
import dev.moat.core.ban.BanSource;
import dev.moat.core.ban.LogEntry;
import dev.moat.core.ban.ScoreChange;
import dev.moat.core.store.Page;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assumptions.assumeThat;

class SqliteStateStoreTest {
    private static final long HOUR = 3_600_000L;

    @TempDir
    Path dir;

    final ManualClock clock = new ManualClock();
    final List<SqliteStateStore> opened = new ArrayList<>();

    SqliteStateStore open() {
        SqliteStateStore s = SqliteStateStore.open(dir, clock);
        opened.add(s);
        return s;
    }

    SqliteStateStore reopen(SqliteStateStore old) {
        old.close();
        return open();
    }

    @AfterEach
    void closeAll() {
        opened.forEach(SqliteStateStore::close);
    }

    long now() {
        return clock.nowMillis();
    }

    Ban ban(String subject, long createdAt, long duration, BanSource source) {
        return new Ban(subject, "too many logins", source == BanSource.AUTO ? "logins" : "manual", source, createdAt,
                createdAt + duration, source == BanSource.AUTO ? 20 : 0, source == BanSource.AUTO ? "moat" : "ops-key");
    }

    LogEntry violation(String subject, double score, double total, Map<String, String> facts) {
        return new LogEntry(0, subject, LogEntry.Kind.VIOLATION, "logins", score, total, now(), false, "", "moat", facts);
    }

    // ---- bans -----------------------------------------------------------------------------------

    @Test
    void aBanIsActiveUntilItExpiresAndCountsTowardsEscalation() {
        SqliteStateStore s = open();
        Ban b = ban("user:alice", now(), HOUR, BanSource.AUTO);
        s.putBan(b);

        assertThat(s.activeBans(now())).containsExactly(b);
        assertThat(s.activeBans(now() + HOUR - 1)).containsExactly(b);
        assertThat(s.activeBans(now() + HOUR)).isEmpty();
        assertThat(s.banCount("user:alice")).isEqualTo(1);
        assertThat(s.banCount("user:bob")).isZero();
    }

    @Test
    void aSecondBanReplacesTheFirstAndCountsAgain() {
        SqliteStateStore s = open();
        s.putBan(ban("ip:203.0.113.7", now(), HOUR, BanSource.AUTO));
        Ban second = ban("ip:203.0.113.7", now() + 10, 2 * HOUR, BanSource.MANUAL);
        s.putBan(second);

        assertThat(s.activeBans(now())).containsExactly(second);
        assertThat(s.banCount("ip:203.0.113.7")).isEqualTo(2);
    }

    @Test
    void unbanRemovesTheBanButNotTheCount() {
        SqliteStateStore s = open();
        s.putBan(ban("user:alice", now(), HOUR, BanSource.AUTO));

        assertThat(s.removeBan("user:alice")).isTrue();
        assertThat(s.removeBan("user:alice")).isFalse();
        assertThat(s.activeBans(now())).isEmpty();
        assertThat(s.banCount("user:alice")).isEqualTo(1);
    }

    @Test
    void bansAreListedNewestFirstInPagesWithACursor() {
        SqliteStateStore s = open();
        for (int i = 0; i < 7; i++) {
            s.putBan(ban("user:u" + i, now() + i, HOUR, i % 2 == 0 ? BanSource.AUTO : BanSource.MANUAL));
        }
        // two bans at the same instant: ordered by subject
        s.putBan(ban("cidr:2001:db8::/64", now() + 6, HOUR, BanSource.MANUAL));

        Page<Ban> p1 = s.listBans(null, null, now(), null, 3);
        assertThat(p1.items()).extracting(Ban::subject).containsExactly("cidr:2001:db8::/64", "user:u6", "user:u5");
        Page<Ban> p2 = s.listBans(null, null, now(), p1.next(), 3);
        assertThat(p2.items()).extracting(Ban::subject).containsExactly("user:u4", "user:u3", "user:u2");
        Page<Ban> p3 = s.listBans(null, null, now(), p2.next(), 3);
        assertThat(p3.items()).extracting(Ban::subject).containsExactly("user:u1", "user:u0");
        assertThat(p3.next()).isNull();
    }

    @Test
    void theLastFullPageHasNoNextCursor() {
        SqliteStateStore s = open();
        for (int i = 0; i < 4; i++) {
            s.putBan(ban("user:u" + i, now() + i, HOUR, BanSource.AUTO));
        }
        Page<Ban> p1 = s.listBans(null, null, now(), null, 2);
        Page<Ban> p2 = s.listBans(null, null, now(), p1.next(), 2);
        assertThat(p1.next()).isNotNull();
        assertThat(p2.items()).hasSize(2);
        assertThat(p2.next()).isNull();
        assertThat(s.listBans(null, null, now(), null, 4).next()).isNull();
    }

    @Test
    void banListsFilterBySubjectAndSourceAndSkipExpiredBans() {
        SqliteStateStore s = open();
        s.putBan(ban("user:alice", now(), HOUR, BanSource.AUTO));
        s.putBan(ban("ip:203.0.113.7", now() + 1, HOUR, BanSource.AUTO));
        s.putBan(ban("user:alina", now() + 2, HOUR, BanSource.MANUAL));
        s.putBan(ban("user:alfred", now() - 2 * HOUR, HOUR, BanSource.MANUAL)); // expired

        assertThat(s.listBans("user:al", null, now(), null, 10).items()).extracting(Ban::subject)
                .containsExactly("user:alina", "user:alice");
        assertThat(s.listBans("User:", null, now(), null, 10).items()).isEmpty(); // case-sensitive, like contains
        assertThat(s.listBans(null, BanSource.AUTO, now(), null, 10).items()).extracting(Ban::subject)
                .containsExactly("ip:203.0.113.7", "user:alice");
        assertThat(s.listBans("al", BanSource.MANUAL, now(), null, 10).items()).extracting(Ban::subject)
                .containsExactly("user:alina");
        assertThat(s.listBans("%", null, now(), null, 10).items()).isEmpty(); // not a LIKE pattern
    }

    @Test
    void aMalformedCursorIsRefusedAsMisuse() {
        SqliteStateStore s = open();
        s.putBan(ban("user:alice", now(), HOUR, BanSource.AUTO));
        s.append(violation("user:alice", 1, 1, Map.of()));

        assertThatThrownBy(() -> s.listBans(null, null, now(), "nonsense", 10))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("malformed cursor 'nonsense'");
        assertThatThrownBy(() -> s.listBans(null, null, now(), "x:user:alice", 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> s.log("user:alice", "12a", 10)).isInstanceOf(IllegalArgumentException.class);
        assertThat(s.listBans(null, null, now(), "", 10).items()).hasSize(1);
        assertThat(s.log("user:alice", "", 10).items()).hasSize(1);
    }

    // ---- scores ---------------------------------------------------------------------------------

    @Test
    void scoresAddUpPerSubjectAndType() {
        SqliteStateStore s = open();
        assertThat(s.addScore("user:alice", "logins", 5, now(), 0)).isEqualTo(new ScoreChange(0, 5));
        assertThat(s.addScore("user:alice", "logins", 5, now(), 0)).isEqualTo(new ScoreChange(5, 10));
        assertThat(s.addScore("user:alice", "messages", 1, now(), 0)).isEqualTo(new ScoreChange(0, 1));
        assertThat(s.addScore("user:bob", "logins", 20, now(), 0)).isEqualTo(new ScoreChange(0, 20));

        assertThat(s.scores("user:alice", now(), 0)).containsExactlyInAnyOrderEntriesOf(Map.of("logins", 10.0, "messages", 1.0));
        assertThat(s.scores("user:nobody", now(), 0)).isEmpty();
    }

    @Test
    void scoresDecayByTheirHalfLife() {
        SqliteStateStore s = open();
        s.addScore("user:alice", "logins", 16, now(), HOUR);

        assertThat(s.scores("user:alice", now() + 2 * HOUR, HOUR).get("logins")).isCloseTo(4.0, within(1e-9));
        ScoreChange c = s.addScore("user:alice", "logins", 1, now() + HOUR, HOUR);
        assertThat(c.previous()).isCloseTo(8.0, within(1e-9));
        assertThat(c.current()).isCloseTo(9.0, within(1e-9));
        // far in the future the score decays below 1e-6 and is omitted
        assertThat(s.scores("user:alice", now() + 100 * HOUR, HOUR)).isEmpty();
    }

    @Test
    void aScoreWrittenWithAnOlderClockKeepsTheNewerInstant() {
        SqliteStateStore s = open();
        s.addScore("user:alice", "logins", 8, now(), HOUR);
        s.addScore("user:alice", "logins", 8, now() - HOUR, HOUR); // a node whose clock is behind

        assertThat(s.scores("user:alice", now(), HOUR).get("logins")).isCloseTo(16.0, within(1e-9));
        assertThat(s.scores("user:alice", now() + HOUR, HOUR).get("logins")).isCloseTo(8.0, within(1e-9));
    }

    @Test
    void resetScoresZeroesEveryTypeOfTheSubject() {
        SqliteStateStore s = open();
        s.addScore("user:alice", "logins", 5, now(), 0);
        s.addScore("user:alice", "messages", 5, now(), 0);
        s.addScore("user:bob", "logins", 5, now(), 0);
        s.resetScores("user:alice");

        assertThat(s.scores("user:alice", now(), 0)).isEmpty();
        assertThat(s.scores("user:bob", now(), 0)).containsEntry("logins", 5.0);
        assertThat(s.addScore("user:alice", "logins", 1, now(), 0)).isEqualTo(new ScoreChange(0, 1));
    }

    @Test
    void topScoresRankSubjectsByTheirHighestTypeScore() {
        SqliteStateStore s = open();
        s.addScore("user:a", "logins", 5, now(), 0);
        s.addScore("user:a", "messages", 30, now(), 0);
        s.addScore("user:b", "logins", 20, now(), 0);
        s.addScore("user:c", "logins", 20, now(), 0);
        s.addScore("user:d", "logins", 1, now(), 0);

        assertThat(s.topScores(3, now(), 0)).containsExactly(Map.entry("user:a", 30.0), Map.entry("user:b", 20.0),
                Map.entry("user:c", 20.0));
        assertThat(s.topScores(0, now(), 0)).isEmpty();
    }

    @Test
    void topScoresWithDecayRankByTheDecayedValue() {
        SqliteStateStore s = open();
        s.addScore("user:old", "logins", 40, now() - 3 * HOUR, HOUR); // 5 now
        s.addScore("user:new", "logins", 10, now(), HOUR);
        s.addScore("user:gone", "logins", 1, now() - 100 * HOUR, HOUR); // ~0

        List<Map.Entry<String, Double>> top = s.topScores(10, now(), HOUR);
        assertThat(top).extracting(Map.Entry::getKey).containsExactly("user:new", "user:old");
        assertThat(top.get(1).getValue()).isCloseTo(5.0, within(1e-9));
    }

    @Test
    void concurrentScoresOnOneKeyLoseNoIncrement() throws Exception {
        SqliteStateStore s = open();
        int threads = 8;
        int each = 100;
        CyclicBarrier start = new CyclicBarrier(threads);
        List<Thread> workers = new ArrayList<>();
        AtomicReference<Throwable> error = new AtomicReference<>();
        for (int t = 0; t < threads; t++) {
            Thread w = new Thread(() -> {
                try {
                    start.await();
                    for (int i = 0; i < each; i++) {
                        s.addScore("ip:203.0.113.7", "logins", 1, now(), 0);
                    }
                } catch (Throwable e) {
                    error.set(e);
                }
            });
            workers.add(w);
            w.start();
        }
        for (Thread w : workers) {
            w.join();
        }
        assertThat(error.get()).isNull();
        assertThat(s.scores("ip:203.0.113.7", now(), 0)).containsEntry("logins", (double) threads * each);
    }

    @Test
    void recordViolationScoresAndLogsInOneWrite() {
        SqliteStateStore s = open();
        s.addScore("user:alice", "logins", 19, now(), 0);
        long commits = s.commits();

        dev.moat.core.store.RecordedViolation r = s.recordViolation("user:alice", "logins", 1, now(), 0,
                change -> new LogEntry(0, "user:alice", LogEntry.Kind.VIOLATION, "logins", 1, change.current(), now(),
                        Math.floor(change.previous() / 20) < Math.floor(change.current() / 20), "", "moat", Map.of("ip", "203.0.113.7")));

        assertThat(s.commits() - commits).isEqualTo(1);
        assertThat(r.change()).isEqualTo(new ScoreChange(19, 20));
        assertThat(r.entry().seq()).isPositive();
        assertThat(r.entry().total()).isEqualTo(20);
        assertThat(r.entry().banStarted()).isTrue();
        assertThat(s.log("user:alice", null, 10).items()).containsExactly(r.entry());
        assertThat(s.scores("user:alice", now(), 0)).containsEntry("logins", 20.0);
    }

    @Test
    void theEngineRecordsAViolationInOneCommitAndItsBanBeforeReturning() {
        SqliteStateStore s = open();
        dev.moat.core.Moat moat = dev.moat.core.Moat.builder().policy(dev.moat.core.policy.MoatPolicy.defaults())
                .stateStore(s).clock(clock).build();

        long commits = s.commits();
        dev.moat.core.Moat.ViolationResult below = moat.reportViolation("message_limit", "alice", "203.0.113.7", 19.0, null);
        assertThat(below.ban()).isNull();
        assertThat(s.commits() - commits).as("score and log line in one commit").isEqualTo(1);

        dev.moat.core.Moat.ViolationResult crossing = moat.reportViolation("message_limit", "alice", "203.0.113.7", 1.0, null);
        assertThat(crossing.ban()).isNotNull();
        SqliteStateStore reopened = reopen(s);
        assertThat(reopened.activeBans(now())).extracting(Ban::subject).containsExactlyInAnyOrder("user:alice", "ip:203.0.113.7");
        List<LogEntry> log = reopened.log("user:alice", null, 10).items();
        assertThat(log).extracting(LogEntry::kind)
                .containsExactly(LogEntry.Kind.BAN, LogEntry.Kind.VIOLATION, LogEntry.Kind.VIOLATION);
        assertThat(log).extracting(LogEntry::banStarted).containsExactly(true, true, false);
        assertThat(log.get(1).total()).isEqualTo(20);
    }

    @Test
    void aFailingRecordViolationLeavesTheScoreAlone() {
        SqliteStateStore s = open();
        s.addScore("user:alice", "logins", 3, now(), 0);

        assertThatThrownBy(() -> s.recordViolation("user:alice", "logins", 1, now(), 0, change -> {
            throw new IllegalArgumentException("boom");
        })).isInstanceOf(IllegalArgumentException.class).hasMessage("boom");

        assertThat(s.scores("user:alice", now(), 0)).containsEntry("logins", 3.0);
        assertThat(s.addScore("user:alice", "logins", 1, now(), 0)).isEqualTo(new ScoreChange(3, 4));
    }

    // ---- the log --------------------------------------------------------------------------------

    @Test
    void theLogIsPerSubjectNewestFirstInPages() {
        SqliteStateStore s = open();
        List<LogEntry> alice = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            alice.add(s.append(violation("user:alice", 1, i, Map.of("n", Integer.toString(i)))));
            s.append(violation("user:bob", 1, i, Map.of()));
        }
        assertThat(alice).extracting(LogEntry::seq).isSorted().doesNotHaveDuplicates();

        Page<LogEntry> p1 = s.log("user:alice", null, 2);
        Page<LogEntry> p2 = s.log("user:alice", p1.next(), 2);
        Page<LogEntry> p3 = s.log("user:alice", p2.next(), 2);
        assertThat(p1.items()).containsExactly(alice.get(4), alice.get(3));
        assertThat(p2.items()).containsExactly(alice.get(2), alice.get(1));
        assertThat(p3.items()).containsExactly(alice.get(0));
        assertThat(p3.next()).isNull();
        assertThat(s.log("user:nobody", null, 10).items()).isEmpty();
    }

    @Test
    void logEntriesKeepEveryField() {
        SqliteStateStore s = open();
        Map<String, String> facts = Map.of("action", "login", "ip", "2001:db8::1", "odd&key=", "100% = a&b", "", "", "ünï", "ç€");
        LogEntry ban = new LogEntry(0, "user:alice", LogEntry.Kind.BAN, "logins", 0, 20, now(), true,
                "spamming links", "ops-key", facts);

        LogEntry stored = s.append(ban);

        assertThat(stored).isEqualTo(ban.withSeq(stored.seq()));
        assertThat(s.log("user:alice", null, 1).items()).containsExactly(stored);
    }

    @Test
    void pruneDeletesOldEntriesAndSeqsAreNeverReused() {
        SqliteStateStore s = open();
        LogEntry old = s.append(violation("user:alice", 1, 1, Map.of()));
        clock.advanceMillis(HOUR);
        LogEntry kept = s.append(violation("user:alice", 1, 2, Map.of()));
        clock.advanceMillis(HOUR);
        LogEntry newest = s.append(violation("user:bob", 1, 1, Map.of()));

        assertThat(s.pruneLog(kept.atMillis())).isEqualTo(1);
        assertThat(s.log("user:alice", null, 10).items()).containsExactly(kept);
        // the newest entry goes too, then a restart: its seq must not come back
        assertThat(s.pruneLog(now() + 1)).isEqualTo(2);
        s = reopen(s);
        LogEntry next = s.append(violation("user:carol", 1, 1, Map.of()));
        assertThat(next.seq()).isGreaterThan(newest.seq());
        assertThat(old.seq()).isLessThan(kept.seq());
    }

    @Test
    void pruneDeletesInChunksUntilNothingOldIsLeft() {
        SqliteStateStore s = open();
        int n = 12_001; // more than two chunks
        s.write("bulk append", t -> {
            for (int i = 0; i < n; i++) {
                SqliteStateStore.append(t, violation("ip:10.0." + (i % 250) + ".1", 1, 1, Map.of()), "");
            }
            return null;
        });
        clock.advanceMillis(1);
        s.append(violation("ip:10.0.0.1", 1, 1, Map.of()));
        long commits = s.commits();

        assertThat(s.pruneLog(now())).isEqualTo(n);
        assertThat(s.commits() - commits).isGreaterThanOrEqualTo(3);
        assertThat(s.log("ip:10.0.0.1", null, 10).items()).hasSize(1);
    }

    // ---- revocations and link spam --------------------------------------------------------------

    @Test
    void aRevokedTokenStaysRevokedUntilItsLatestExpiry() {
        SqliteStateStore s = open();
        s.revokeToken("jti-1", now() + HOUR);
        s.revokeToken("jti-1", now() + 10); // an earlier expiry never shortens it

        assertThat(s.isTokenRevoked("jti-1", now())).isTrue();
        assertThat(s.isTokenRevoked("jti-1", now() + HOUR - 1)).isTrue();
        assertThat(s.isTokenRevoked("jti-1", now() + HOUR)).isFalse();
        assertThat(s.isTokenRevoked("jti-2", now())).isFalse();
    }

    @Test
    void userRevocationsKeepTheLatestInstant() {
        SqliteStateStore s = open();
        assertThat(s.userTokensRevokedBefore("user:alice")).isEqualTo(Long.MIN_VALUE);
        s.revokeUserTokens("user:alice", now());
        s.revokeUserTokens("user:alice", now() - HOUR);
        assertThat(s.userTokensRevokedBefore("user:alice")).isEqualTo(now());
        s.revokeUserTokens("user:alice", now() + HOUR);
        assertThat(s.userTokensRevokedBefore("user:alice")).isEqualTo(now() + HOUR);
    }

    @Test
    void linkSpamStateIsReplacedAndExpires() {
        SqliteStateStore s = open();
        assertThat(s.linkSpamState("k", now())).isNull();
        s.putLinkSpamState("k", "state-1", now() + HOUR);
        s.putLinkSpamState("k", "state-2", now() + 2 * HOUR);

        assertThat(s.linkSpamState("k", now())).isEqualTo("state-2");
        assertThat(s.linkSpamState("k", now() + 2 * HOUR - 1)).isEqualTo("state-2");
        assertThat(s.linkSpamState("k", now() + 2 * HOUR)).isNull();
    }

    // ---- durability across restarts -------------------------------------------------------------

    @Test
    void everythingSurvivesAReopen() {
        SqliteStateStore s = open();
        Ban b = ban("user:alice", now(), HOUR, BanSource.AUTO);
        s.putBan(b);
        s.addScore("user:alice", "logins", 20, now(), 0);
        LogEntry e = s.append(violation("user:alice", 20, 20, Map.of("ip", "203.0.113.7")));
        s.revokeToken("jti-1", now() + HOUR);
        s.revokeUserTokens("user:alice", now());
        s.putLinkSpamState("k", "state", now() + HOUR);

        s = reopen(s);

        assertThat(s.activeBans(now())).containsExactly(b);
        assertThat(s.banCount("user:alice")).isEqualTo(1);
        assertThat(s.scores("user:alice", now(), 0)).containsEntry("logins", 20.0);
        assertThat(s.log("user:alice", null, 10).items()).containsExactly(e);
        assertThat(s.isTokenRevoked("jti-1", now())).isTrue();
        assertThat(s.userTokensRevokedBefore("user:alice")).isEqualTo(now());
        assertThat(s.linkSpamState("k", now())).isEqualTo("state");
        assertThat(s.addScore("user:alice", "logins", 1, now(), 0)).isEqualTo(new ScoreChange(20, 21));
    }

    @Test
    void openingDropsExpiredStateButKeepsBanCounts() throws Exception {
        SqliteStateStore s = open();
        s.putBan(ban("user:short", now(), HOUR, BanSource.AUTO));
        s.putBan(ban("user:long", now(), 3 * HOUR, BanSource.AUTO));
        s.revokeToken("jti-short", now() + HOUR);
        s.revokeToken("jti-long", now() + 3 * HOUR);
        s.putLinkSpamState("short", "x", now() + HOUR);
        s.putLinkSpamState("long", "y", now() + 3 * HOUR);
        s.close();

        clock.advanceMillis(2 * HOUR);
        s = open();

        assertThat(rowCount("bans")).isEqualTo(1);
        assertThat(rowCount("revoked_tokens")).isEqualTo(1);
        assertThat(rowCount("link_spam")).isEqualTo(1);
        assertThat(s.activeBans(now())).extracting(Ban::subject).containsExactly("user:long");
        assertThat(s.banCount("user:short")).isEqualTo(1);
        assertThat(s.isTokenRevoked("jti-long", now())).isTrue();
        assertThat(s.linkSpamState("long", now())).isEqualTo("y");
    }

    @Test
    void purgeExpiredDropsExpiredStateWhileOpen() {
        SqliteStateStore s = open();
        s.putBan(ban("user:short", now(), HOUR, BanSource.AUTO));
        s.revokeToken("jti", now() + HOUR);
        s.putLinkSpamState("k", "x", now() + HOUR);
        s.putBan(ban("user:long", now(), 3 * HOUR, BanSource.AUTO));

        assertThat(s.purgeExpired(now() + HOUR)).isEqualTo(3);
        assertThat(s.listBans(null, null, now(), null, 10).items()).extracting(Ban::subject).containsExactly("user:long");
    }

    // ---- lifecycle ------------------------------------------------------------------------------

    @Test
    void callsAfterCloseThrow() {
        SqliteStateStore s = open();
        s.close();
        s.close(); // idempotent

        assertThatThrownBy(() -> s.putBan(ban("user:a", now(), HOUR, BanSource.AUTO)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed").hasMessageContaining(dir.toString());
        assertThatThrownBy(() -> s.activeBans(now())).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(s::flush).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void closeWaitsForWritesInFlight() throws Exception {
        SqliteStateStore s = open();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread slow = new Thread(() -> s.write("slow ban", t -> {
            entered.countDown();
            awaitQuietly(release);
            try (var p = t.connection.prepareStatement("INSERT INTO ban_counts (subject, count) VALUES ('user:slow', 7)")) {
                p.executeUpdate();
            }
            return null;
        }));
        slow.start();
        entered.await();
        Thread closer = new Thread(s::close);
        closer.start();
        release.countDown();
        closer.join();
        slow.join();

        assertThat(open().banCount("user:slow")).isEqualTo(7);
    }

    @Test
    void aSecondStoreOnTheSameDirectoryIsRefused() {
        SqliteStateStore s = open();
        assertThatThrownBy(() -> SqliteStateStore.open(dir, clock))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(dir.toString()).hasMessageContaining("in use");
        s.close();
        open(); // free again once closed
    }

    @Test
    void flushReturnsOnceEarlierWritesCommitted() {
        SqliteStateStore s = open();
        s.putBan(ban("user:a", now(), HOUR, BanSource.AUTO));
        long commits = s.commits();
        s.flush();
        assertThat(s.commits()).isGreaterThan(commits);
        assertThat(s.healthy()).isTrue();
        assertThat(s.lastError()).isNull();
    }

    // ---- group commit ---------------------------------------------------------------------------

    @Test
    void writersWaitingTogetherShareOneCommit() throws Exception {
        SqliteStateStore s = open();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread blocker = new Thread(() -> s.write("hold the writer", t -> {
            entered.countDown();
            awaitQuietly(release);
            return null;
        }));
        blocker.start();
        entered.await();
        long commits = s.commits();

        int writers = 10;
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < writers; i++) {
            String subject = "user:u" + i;
            Thread t = new Thread(() -> s.putBan(ban(subject, now(), HOUR, BanSource.AUTO)));
            threads.add(t);
            t.start();
        }
        while (s.pendingWrites() < writers) {
            Thread.onSpinWait();
        }
        release.countDown();
        blocker.join();
        for (Thread t : threads) {
            t.join();
        }

        assertThat(s.commits() - commits).isEqualTo(2); // the blocker's, then one for all ten
        assertThat(s.activeBans(now())).hasSize(writers);
    }

    @Test
    void aWriteThatFailsFailsAloneAndTheRestOfItsBatchCommits() throws Exception {
        SqliteStateStore s = open();
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread blocker = new Thread(() -> s.write("hold the writer", t -> {
            entered.countDown();
            awaitQuietly(release);
            return null;
        }));
        blocker.start();
        entered.await();
        long commits = s.commits();

        List<Thread> threads = new ArrayList<>();
        AtomicReference<Throwable> badOutcome = new AtomicReference<>();
        for (int i = 0; i < 6; i++) {
            String subject = "user:u" + i;
            threads.add(new Thread(() -> s.addScore(subject, "logins", 1, now(), 0)));
        }
        threads.add(new Thread(() -> {
            try {
                s.write("bad", t -> {
                    throw new IllegalArgumentException("a bug in one write");
                });
            } catch (Throwable e) {
                badOutcome.set(e);
            }
        }));
        threads.forEach(Thread::start);
        while (s.pendingWrites() < threads.size()) {
            Thread.onSpinWait();
        }
        release.countDown();
        blocker.join();
        for (Thread t : threads) {
            t.join();
        }

        assertThat(badOutcome.get()).isInstanceOf(IllegalArgumentException.class).hasMessage("a bug in one write");
        assertThat(s.commits() - commits).isEqualTo(2);
        for (int i = 0; i < 6; i++) {
            assertThat(s.scores("user:u" + i, now(), 0)).containsEntry("logins", 1.0);
        }
        assertThat(s.healthy()).isTrue();
    }

    // ---- schema ---------------------------------------------------------------------------------

    @Nested
    class Migrations {
        @Test
        void anEmptyFileIsMigratedToTheCurrentVersion() throws Exception {
            Files.createDirectories(dir);
            Files.createFile(dir.resolve(SqliteStateStore.FILE_NAME));

            open().close();

            assertThat(pragma("user_version")).isEqualTo(Schema.MIGRATIONS.size());
            assertThat(pragma("application_id")).isEqualTo(Schema.APPLICATION_ID);
        }

        @Test
        void anOlderDatabaseIsMigratedAndKeepsItsData() throws Exception {
            // version 1 (today's schema) with data, then a Moat that knows a second step
            SqliteStateStore s = open();
            s.putBan(ban("user:alice", now(), HOUR, BanSource.AUTO));
            LogEntry e = s.append(violation("user:alice", 1, 1, Map.of("ip", "203.0.113.7")));
            s.close();
            assertThat(pragma("user_version")).isEqualTo(1);

            List<Schema.Migration> next = new ArrayList<>(Schema.MIGRATIONS);
            next.add(new Schema.Migration("ban notes", List.of(
                    "ALTER TABLE bans ADD COLUMN note TEXT NOT NULL DEFAULT ''",
                    "UPDATE bans SET note = 'migrated'")));
            try (SqliteStateStore migrated = new SqliteStateStore(dir, clock, next)) {
                assertThat(migrated.activeBans(now())).extracting(Ban::subject).containsExactly("user:alice");
                assertThat(migrated.log("user:alice", null, 10).items()).containsExactly(e);
            }
            assertThat(pragma("user_version")).isEqualTo(2);
            assertThat(query("SELECT note FROM bans")).isEqualTo("migrated");
        }

        @Test
        void aHandMadeVersionOneFileIsOpened() throws Exception {
            // the layout of version 1 written by hand, as an older Moat would have left it
            Files.createDirectories(dir);
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(SqliteStateStore.FILE_NAME));
                 Statement st = c.createStatement()) {
                for (String sql : Schema.MIGRATIONS.get(0).statements()) {
                    st.execute(sql);
                }
                st.execute("INSERT INTO bans VALUES ('user:old', 'r', 'logins', 'auto', " + now() + ", " + (now() + HOUR) + ", 20, 'moat')");
                st.execute("INSERT INTO log (subject, kind, type, score, total, at_millis, ban_started, detail, actor, facts)"
                        + " VALUES ('user:old', 'violation', 'logins', 1, 1, " + now() + ", 0, '', 'moat', 'ip=203.0.113.7')");
                st.execute("PRAGMA user_version = 1");
            }

            SqliteStateStore s = open();

            assertThat(s.activeBans(now())).extracting(Ban::subject).containsExactly("user:old");
            assertThat(s.log("user:old", null, 10).items()).singleElement()
                    .satisfies(e -> assertThat(e.facts()).containsEntry("ip", "203.0.113.7"));
            assertThat(s.append(violation("user:old", 1, 2, Map.of())).seq()).isEqualTo(2);
        }

        @Test
        void aFailingStepLeavesTheFileAsItWas() throws Exception {
            open().close();
            List<Schema.Migration> broken = new ArrayList<>(Schema.MIGRATIONS);
            broken.add(new Schema.Migration("half done", List.of(
                    "CREATE TABLE half_done (x INTEGER)",
                    "ALTER TABLE no_such_table ADD COLUMN y TEXT")));

            assertThatThrownBy(() -> new SqliteStateStore(dir, clock, broken))
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining(dir.resolve(SqliteStateStore.FILE_NAME).toString())
                    .hasMessageContaining("no_such_table");

            assertThat(pragma("user_version")).isEqualTo(1);
            assertThat(query("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'")).isEqualTo("0");
            open(); // and the lock was released
        }

        @Test
        void aDatabaseFromANewerMoatIsRefusedAndLeftAlone() throws Exception {
            open().close();
            int newer = Schema.MIGRATIONS.size() + 1;
            execute("PRAGMA user_version = " + newer);

            assertThatThrownBy(() -> SqliteStateStore.open(dir, clock))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining(dir.resolve(SqliteStateStore.FILE_NAME).toString())
                    .hasMessageContaining("schema version " + newer)
                    .hasMessageContaining("newer Moat");

            assertThat(pragma("user_version")).isEqualTo(newer);
        }

        @Test
        void aForeignDatabaseIsRefused() throws Exception {
            Files.createDirectories(dir);
            execute("CREATE TABLE customers (id INTEGER)");

            assertThatThrownBy(() -> SqliteStateStore.open(dir, clock))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("not a Moat database");
            execute("PRAGMA application_id = 42");
            assertThatThrownBy(() -> SqliteStateStore.open(dir, clock))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("not a Moat database");
        }

        @Test
        void aFileThatIsNotSqliteIsRefusedClearly() throws Exception {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(SqliteStateStore.FILE_NAME), "this is not a database, just some text ".repeat(50));

            assertThatThrownBy(() -> SqliteStateStore.open(dir, clock))
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining(dir.resolve(SqliteStateStore.FILE_NAME).toString())
                    .hasMessageContaining("SQLITE_NOTADB");
        }
    }

    // ---- failures -------------------------------------------------------------------------------

    @Test
    void aFullDiskFailsTheWriteLoudlyAndTurnsHealthRed() {
        SqliteStateStore s = open();
        s.putBan(ban("user:before", now(), HOUR, BanSource.AUTO));
        // SQLite's max_page_count makes the file "full" at its current size: the disk-full path
        s.write("cap the file", t -> {
            try (Statement st = t.connection.createStatement(); ResultSet rs = st.executeQuery("PRAGMA page_count")) {
                rs.next();
                st.execute("PRAGMA max_page_count = " + rs.getInt(1));
            }
            return null;
        });
        String big = "x".repeat(200_000);

        assertThatThrownBy(() -> s.putBan(new Ban("user:big", big, "manual", BanSource.MANUAL, now(), now() + HOUR, 0, "ops")))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining(s.file().toString())
                .hasMessageContaining("SQLITE_FULL")
                .hasMessageContaining("putBan user:big");
        assertThat(s.healthy()).isFalse();
        assertThat(s.lastError()).contains("SQLITE_FULL").contains(s.file().toString());

        s.write("uncap the file", t -> {
            try (Statement st = t.connection.createStatement()) {
                st.execute("PRAGMA max_page_count = 1073741823");
            }
            return null;
        });
        assertThat(s.healthy()).isTrue();
        s.putBan(new Ban("user:big", big, "manual", BanSource.MANUAL, now(), now() + HOUR, 0, "ops"));
        assertThat(s.activeBans(now())).extracting(Ban::subject).containsExactlyInAnyOrder("user:before", "user:big");
        assertThat(s.lastError()).contains("SQLITE_FULL"); // the last error stays readable
    }

    @Test
    void aReadOnlyDirectoryIsRefusedAtOpenWithAClearMessage() throws Exception {
        Path ro = dir.resolve("ro");
        Files.createDirectories(ro);
        try (ReadOnly ignored = ReadOnly.make(ro)) {
            assertThatThrownBy(() -> SqliteStateStore.open(ro, clock))
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining(ro.toString())
                    .hasMessageContaining("not writable");
        }
    }

    @Test
    void aDataDirThatIsAFileIsRefusedWithAClearMessage() throws Exception {
        Path notADir = dir.resolve("data");
        Files.writeString(notADir, "oops");

        assertThatThrownBy(() -> SqliteStateStore.open(notADir.resolve("moat"), clock))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("cannot create data_dir")
                .hasMessageContaining(notADir.toString());
    }

    @Test
    void filesTurningReadOnlyWhileOpenFailWritesAndTurnHealthRed() throws Exception {
        SqliteStateStore s = open();
        s.putBan(ban("user:before", now(), HOUR, BanSource.AUTO));
        Path wal = dir.resolve(SqliteStateStore.FILE_NAME + "-wal");
        try (ReadOnly ignored = ReadOnly.immutable(wal, dir.resolve(SqliteStateStore.FILE_NAME), dir)) {
            assertThatThrownBy(() -> s.putBan(ban("user:during", now(), HOUR, BanSource.AUTO)))
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining(s.file().toString())
                    .hasMessageContaining("putBan user:during");
            assertThat(s.healthy()).isFalse();
            assertThat(s.lastError()).contains(s.file().toString());
        }
        s.putBan(ban("user:after", now(), HOUR, BanSource.AUTO));
        assertThat(s.healthy()).isTrue();
        assertThat(s.activeBans(now())).extracting(Ban::subject).containsExactlyInAnyOrder("user:before", "user:after");
        SqliteStateStore again = reopen(s);
        assertThat(again.activeBans(now())).extracting(Ban::subject).containsExactlyInAnyOrder("user:before", "user:after");
    }

    // ---- helpers --------------------------------------------------------------------------------

    /**
     * Makes paths unwritable for the duration of a test: chmod for ordinary users; for root, who
     * ignores modes, the immutable attribute ({@code chattr +i}). Skips the test where neither works.
     */
    static final class ReadOnly implements AutoCloseable {
        private final List<Path> immutable;
        private final Path chmodded;

        private ReadOnly(List<Path> immutable, Path chmodded) {
            this.immutable = immutable;
            this.chmodded = chmodded;
        }

        static ReadOnly make(Path directory) throws Exception {
            if (directory.toFile().setWritable(false, false) && !Files.isWritable(directory)) {
                return new ReadOnly(List.of(), directory);
            }
            directory.toFile().setWritable(true, false);
            return immutable(directory);
        }

        static ReadOnly immutable(Path... paths) throws Exception {
            List<Path> done = new ArrayList<>();
            for (Path p : paths) {
                if (chattr("+i", p)) {
                    done.add(p);
                } else {
                    done.forEach(d -> chattrQuietly("-i", d));
                    assumeThat(false).as("chattr +i is not available here (needs root and CAP_LINUX_IMMUTABLE)").isTrue();
                }
            }
            return new ReadOnly(done, null);
        }

        private static boolean chattr(String op, Path p) throws Exception {
            try {
                Process proc = new ProcessBuilder("chattr", op, p.toString()).redirectErrorStream(true).start();
                proc.getInputStream().readAllBytes();
                return proc.waitFor() == 0;
            } catch (java.io.IOException e) {
                return false;
            }
        }

        private static void chattrQuietly(String op, Path p) {
            try {
                chattr(op, p);
            } catch (Exception ignored) {
                // best effort
            }
        }

        @Override
        public void close() {
            immutable.forEach(p -> chattrQuietly("-i", p));
            if (chmodded != null) {
                chmodded.toFile().setWritable(true, false);
            }
        }
    }

    static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    Connection raw() throws SQLException {
        return DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(SqliteStateStore.FILE_NAME));
    }

    int pragma(String name) throws SQLException {
        try (Connection c = raw(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA " + name)) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    String query(String sql) throws SQLException {
        try (Connection c = raw(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getString(1) : null;
        }
    }

    void execute(String sql) throws SQLException {
        try (Connection c = raw(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    long rowCount(String table) throws SQLException {
        return Long.parseLong(query("SELECT count(*) FROM " + table));
    }
}
