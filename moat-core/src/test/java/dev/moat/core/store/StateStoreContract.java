package dev.moat.core.store;

import dev.moat.core.ban.Ban;
import dev.moat.core.ban.BanSource;
import dev.moat.core.ban.LogEntry;
import dev.moat.core.ban.ScoreChange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * The contract every {@link StateStore} keeps, run by each store's own test (memory here, SQLite
 * and Redis in their modules, through moat-core's test-jar):
 *
 * <pre>{@code
 * class SqliteStateStoreTest extends StateStoreContract {
 *     @TempDir Path dir;
 *     @Override protected StateStore newStore() { return SqliteStateStore.open(dir.resolve("moat.db")); }
 *     @Override protected StateStore reopen(StateStore old) {
 *         old.close();
 *         return SqliteStateStore.open(dir.resolve("moat.db"));
 *     }
 * }
 * }</pre>
 *
 * <p>{@link #newStore} returns an empty store before each test; the store in {@link #store} is
 * closed after it. {@link #reopen} is where a durable store proves durability: it closes the
 * store and opens the same files (or database) again; everything a write acknowledged must be
 * there. The default returns the same store, which is right for stores that forget on close.
 * Time is passed in: tests hand the store {@link #now}.
 */
public abstract class StateStoreContract {
    protected static final long MINUTE = 60_000;
    protected static final long HOUR = 60 * MINUTE;
    protected static final long DAY = 24 * HOUR;

    /** An empty store. */
    protected abstract StateStore newStore();

    /** Closes {@code old} and opens the same storage again; stores that forget on close return {@code old}. */
    protected StateStore reopen(StateStore old) {
        return old;
    }

    protected StateStore store;
    protected long now = 1_767_225_600_000L; // 2026-01-01T00:00:00Z

    @BeforeEach
    void openStore() {
        store = newStore();
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    /** Reopens {@link #store} in place. */
    protected void reopenStore() {
        store.flush();
        store = reopen(store);
    }

    protected static Ban ban(String subject, BanSource source, long createdAt, long expiresAt) {
        return new Ban(subject, "too many logins", source == BanSource.AUTO ? "logins" : "manual", source, createdAt, expiresAt,
                source == BanSource.AUTO ? 20 : 0, source == BanSource.AUTO ? "moat" : "ops-key");
    }

    protected LogEntry violation(String subject, String type, double score, long at) {
        return new LogEntry(0, subject, LogEntry.Kind.VIOLATION, type, score, score, at, false, "", "moat",
                Map.of("action", "login", "ip", "203.0.113.7"));
    }

    private static List<String> subjects(Page<Ban> page) {
        return page.items().stream().map(Ban::subject).toList();
    }

    // ---- bans ---------------------------------------------------------------------------

    @Test
    void aBanIsStoredListedAndLifted() {
        Ban b = new Ban("user:alice", "spam", "message_limit", BanSource.AUTO, now, now + HOUR, 20, "moat");
        store.putBan(b);
        assertThat(store.activeBans(now)).containsExactly(b);
        assertThat(store.listBans(null, null, now, null, 10).items()).containsExactly(b);
        assertThat(store.removeBan("user:alice")).isTrue();
        assertThat(store.removeBan("user:alice")).as("no ban left to lift").isFalse();
        assertThat(store.removeBan("user:nobody")).isFalse();
        assertThat(store.activeBans(now)).isEmpty();
        assertThat(store.listBans(null, null, now, null, 10).items()).isEmpty();
    }

    @Test
    void aGuardedUnbanLiftsTheBanItNamesOrAnOlderOneButNeverANewerOne() {
        Ban made = ban("user:guarded", BanSource.MANUAL, now + HOUR, now + 3 * HOUR); // by a clock running an hour fast
        store.putBan(made);
        assertThat(store.removeBan("user:guarded", now)).as("the ban was made after the instant named").isFalse();
        assertThat(store.activeBans(now)).containsExactly(made);
        assertThat(store.removeBan("user:guarded", made.createdAtMillis())).as("the ban named by its createdAt").isTrue();
        assertThat(store.activeBans(now)).isEmpty();
        assertThat(store.removeBan("user:guarded", Long.MAX_VALUE)).as("nothing left to lift").isFalse();

        store.putBan(ban("user:older", BanSource.AUTO, now - HOUR, now + HOUR));
        assertThat(store.removeBan("user:older", now)).as("an older ban is lifted too").isTrue();
        reopenStore();
        assertThat(store.activeBans(now)).isEmpty();
        assertThat(store.banCount("user:guarded")).as("lifting does not forget the ban happened").isEqualTo(1);
    }

    @Test
    void aNewBanOfTheSameSubjectReplacesTheOldOneAndCountsAsAnother() {
        assertThat(store.banCount("ip:203.0.113.7")).isZero();
        store.putBan(ban("ip:203.0.113.7", BanSource.AUTO, now, now + HOUR));
        Ban second = ban("ip:203.0.113.7", BanSource.AUTO, now + 2 * HOUR, now + 4 * HOUR);
        store.putBan(second);
        assertThat(store.activeBans(now + 2 * HOUR)).containsExactly(second);
        assertThat(store.banCount("ip:203.0.113.7")).isEqualTo(2);
        store.removeBan("ip:203.0.113.7");
        assertThat(store.banCount("ip:203.0.113.7")).as("lifting a ban does not forget it happened").isEqualTo(2);
        store.putBan(ban("ip:203.0.113.7", BanSource.MANUAL, now + 5 * HOUR, now + 6 * HOUR));
        assertThat(store.banCount("ip:203.0.113.7")).isEqualTo(3);
        assertThat(store.banCount("ip:203.0.113.8")).isZero();
    }

    @Test
    void activeBansAndListingsLeaveOutExpiredBans() {
        store.putBan(ban("user:short", BanSource.AUTO, now, now + 1000));
        store.putBan(ban("user:long", BanSource.AUTO, now, now + DAY));
        assertThat(store.activeBans(now + 999)).extracting(Ban::subject).containsExactlyInAnyOrder("user:short", "user:long");
        assertThat(subjects(store.listBans("short", null, now + 999, null, 10))).containsExactly("user:short");
        assertThat(store.activeBans(now + 1000)).extracting(Ban::subject).containsExactly("user:long");
        assertThat(subjects(store.listBans(null, null, now + 1000, null, 10))).containsExactly("user:long");
        assertThat(store.banCount("user:short")).isEqualTo(1);
    }

    @Test
    void listingsFilterBySubjectSubstringAndSource() {
        store.putBan(ban("user:alice", BanSource.AUTO, now, now + DAY));
        store.putBan(ban("user:malice", BanSource.MANUAL, now + 1, now + DAY));
        store.putBan(ban("ip:203.0.113.7", BanSource.AUTO, now + 2, now + DAY));
        store.putBan(ban("cidr:2001:db8::/64", BanSource.MANUAL, now + 3, now + DAY));
        assertThat(subjects(store.listBans("alice", null, now, null, 10))).containsExactly("user:malice", "user:alice");
        assertThat(subjects(store.listBans("user:", BanSource.AUTO, now, null, 10))).containsExactly("user:alice");
        assertThat(subjects(store.listBans(null, BanSource.MANUAL, now, null, 10))).containsExactly("cidr:2001:db8::/64", "user:malice");
        assertThat(subjects(store.listBans("db8::/", null, now, null, 10))).containsExactly("cidr:2001:db8::/64");
        assertThat(subjects(store.listBans("bob", null, now, null, 10))).isEmpty();
        assertThat(subjects(store.listBans("", null, now, null, 10))).hasSize(4);
    }

    @Test
    void listingsPageNewestFirstWithCursorsAndEveryBanAppearsOnce() {
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            long created = now + (i / 3) * 1000L; // three bans share each instant: ties go by subject
            store.putBan(ban(String.format("user:u%02d", i), i % 2 == 0 ? BanSource.AUTO : BanSource.MANUAL, created, created + DAY));
        }
        for (int t = 8; t >= 0; t--) {
            for (int i = t * 3; i < Math.min(25, t * 3 + 3); i++) {
                expected.add(String.format("user:u%02d", i));
            }
        }
        List<String> seen = new ArrayList<>();
        List<Integer> sizes = new ArrayList<>();
        String cursor = null;
        do {
            Page<Ban> page = store.listBans(null, null, now, cursor, 10);
            sizes.add(page.items().size());
            seen.addAll(subjects(page));
            cursor = page.next();
        } while (cursor != null);
        assertThat(sizes).containsExactly(10, 10, 5);
        assertThat(seen).containsExactlyElementsOf(expected);

        Page<Ban> exact = store.listBans(null, null, now, null, 25);
        assertThat(exact.items()).hasSize(25);
        assertThat(exact.next()).as("nothing after the last page").isNull();
        assertThat(store.listBans(null, BanSource.AUTO, now, store.listBans(null, BanSource.AUTO, now, null, 5).next(), 5).items())
                .allMatch(b -> b.source() == BanSource.AUTO).hasSize(5);
    }

    @Test
    void aPageStaysPutWhenNewerBansArriveAndWhenTheCursorsBanIsLifted() {
        for (int i = 0; i < 6; i++) {
            store.putBan(ban("user:u" + i, BanSource.AUTO, now + i * 1000L, now + DAY));
        }
        Page<Ban> first = store.listBans(null, null, now + 10_000, null, 2);
        assertThat(subjects(first)).containsExactly("user:u5", "user:u4");
        store.putBan(ban("user:newer", BanSource.AUTO, now + 9000, now + DAY));
        Page<Ban> second = store.listBans(null, null, now + 10_000, first.next(), 2);
        assertThat(subjects(second)).as("new bans at the front do not shift later pages").containsExactly("user:u3", "user:u2");
        store.removeBan("user:u2");
        Page<Ban> third = store.listBans(null, null, now + 10_000, second.next(), 2);
        assertThat(subjects(third)).as("the cursor's ban was lifted; the next page still follows it").containsExactly("user:u1", "user:u0");
        assertThat(third.next()).isNull();
    }

    @Test
    void aMalformedCursorIsRefusedAsMisuse() {
        store.putBan(ban("user:alice", BanSource.AUTO, now, now + DAY));
        store.append(violation("user:alice", "logins", 1, now));
        assertThatThrownBy(() -> store.listBans(null, null, now, "not a cursor", 10)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.log("user:alice", "not a cursor", 10)).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.listBans(null, null, now, "", 10).items()).as("an empty cursor is the first page").hasSize(1);
    }

    // ---- scores -------------------------------------------------------------------------

    @Test
    void addingAScoreReportsTheTotalBeforeAndAfter() {
        ScoreChange first = store.addScore("user:alice", "logins", 1, now, 0);
        assertThat(first.previous()).isZero();
        assertThat(first.current()).isEqualTo(1);
        ScoreChange second = store.addScore("user:alice", "logins", 2.5, now + 1000, 0);
        assertThat(second.previous()).isEqualTo(1);
        assertThat(second.current()).isEqualTo(3.5);
        store.addScore("user:alice", "non_browser", 20, now, 0);
        store.addScore("user:bob", "logins", 1, now, 0);
        assertThat(store.scores("user:alice", now + 1000, 0)).containsOnly(Map.entry("logins", 3.5), Map.entry("non_browser", 20.0));
        assertThat(store.scores("user:carol", now, 0)).isEmpty();
    }

    @Test
    void addingScoresIsAtomicUnderThreads() throws InterruptedException {
        int threads = 8;
        int adds = 250;
        CountDownLatch go = new CountDownLatch(1);
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        List<Thread> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread th = new Thread(() -> {
                try {
                    go.await();
                    for (int i = 0; i < adds; i++) {
                        store.addScore("user:hot", "message_limit", 1, now, 0);
                        store.addScore("user:hot", thread % 2 == 0 ? "even" : "odd", 0.5, now, 0);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            running.add(th);
            th.start();
        }
        go.countDown();
        for (Thread th : running) {
            th.join();
        }
        assertThat(failures).isEmpty();
        Map<String, Double> scores = store.scores("user:hot", now, 0);
        assertThat(scores.get("message_limit")).isEqualTo((double) threads * adds);
        assertThat(scores.get("even")).isEqualTo(threads / 2 * adds * 0.5);
        assertThat(scores.get("odd")).isEqualTo(threads / 2 * adds * 0.5);
    }

    @Test
    void scoresDecayWithTheirHalfLife() {
        store.addScore("user:alice", "logins", 8, now, HOUR);
        assertThat(store.scores("user:alice", now + HOUR, HOUR).get("logins")).isCloseTo(4, within(1e-9));
        ScoreChange later = store.addScore("user:alice", "logins", 1, now + HOUR, HOUR);
        assertThat(later.previous()).isCloseTo(4, within(1e-9));
        assertThat(later.current()).isCloseTo(5, within(1e-9));
        assertThat(store.scores("user:alice", now + 2 * HOUR, HOUR).get("logins")).isCloseTo(2.5, within(1e-9));
        assertThat(store.scores("user:alice", now + 200 * HOUR, HOUR)).as("decayed to nothing").isEmpty();
        assertThat(store.addScore("user:alice", "logins", 1, now + 200 * HOUR, HOUR).current()).isCloseTo(1, within(1e-9));
    }

    @Test
    void aHalfLifeOfZeroMeansScoresOnlyGrow() {
        store.addScore("user:alice", "logins", 3, now, 0);
        assertThat(store.scores("user:alice", now + 365 * DAY, 0).get("logins")).isEqualTo(3);
        assertThat(store.addScore("user:alice", "logins", 1, now + 365 * DAY, 0).previous()).isEqualTo(3);
    }

    @Test
    void resettingScoresZeroesEveryTypeOfThatSubjectOnly() {
        store.addScore("user:alice", "logins", 3, now, 0);
        store.addScore("user:alice", "non_browser", 20, now, 0);
        store.addScore("user:bob", "logins", 2, now, 0);
        store.resetScores("user:alice");
        assertThat(store.scores("user:alice", now, 0)).isEmpty();
        assertThat(store.addScore("user:alice", "logins", 1, now, 0).previous()).isZero();
        assertThat(store.scores("user:bob", now, 0)).containsEntry("logins", 2.0);
        store.resetScores("user:nobody");
    }

    @Test
    void topScoresListTheWorstOffendersFirst() {
        store.addScore("user:a", "logins", 3, now, 0);
        store.addScore("user:a", "non_browser", 20, now, 0);
        store.addScore("user:b", "logins", 7, now, 0);
        store.addScore("user:c", "logins", 1, now, 0);
        store.addScore("user:d", "logins", 7, now, 0);
        List<Map.Entry<String, Double>> top = store.topScores(3, now, 0);
        assertThat(top).containsExactly(Map.entry("user:a", 20.0), Map.entry("user:b", 7.0), Map.entry("user:d", 7.0));
        assertThat(store.topScores(10, now, 0)).hasSize(4);
        store.resetScores("user:a");
        assertThat(store.topScores(1, now, 0)).containsExactly(Map.entry("user:b", 7.0));
    }

    // ---- the violation log --------------------------------------------------------------

    @Test
    void appendingNumbersEntriesAndTheLogListsThemNewestFirst() {
        LogEntry a = store.append(violation("user:alice", "logins", 1, now));
        LogEntry b = store.append(violation("user:alice", "logins", 1, now + 1000));
        store.append(violation("user:bob", "logins", 1, now + 500));
        LogEntry c = store.append(new LogEntry(0, "user:alice", LogEntry.Kind.BAN, "logins", 0, 20, now + 2000, true,
                "20 logins in 5 minutes", "moat", Map.of("ip", "203.0.113.7")));
        assertThat(a.seq()).isPositive();
        assertThat(b.seq()).isGreaterThan(a.seq());
        assertThat(c.seq()).isGreaterThan(b.seq());
        assertThat(c).isEqualTo(new LogEntry(c.seq(), "user:alice", LogEntry.Kind.BAN, "logins", 0, 20, now + 2000, true,
                "20 logins in 5 minutes", "moat", Map.of("ip", "203.0.113.7")));
        Page<LogEntry> page = store.log("user:alice", null, 10);
        assertThat(page.items()).containsExactly(c, b, a);
        assertThat(page.next()).isNull();
        assertThat(store.log("user:bob", null, 10).items()).hasSize(1);
        assertThat(store.log("user:carol", null, 10).items()).isEmpty();
    }

    @Test
    void theLogPagesWithCursorsStablyWhileEntriesArriveAndArePruned() {
        List<LogEntry> all = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            all.add(store.append(violation("user:alice", "logins", 1, now + i * MINUTE)));
        }
        Collections.reverse(all);
        Page<LogEntry> first = store.log("user:alice", null, 5);
        assertThat(first.items()).containsExactlyElementsOf(all.subList(0, 5));
        store.append(violation("user:alice", "logins", 1, now + HOUR));
        Page<LogEntry> second = store.log("user:alice", first.next(), 5);
        assertThat(second.items()).containsExactlyElementsOf(all.subList(5, 10));
        // prune the entry the cursor names (and everything older than it but two)
        assertThat(store.pruneLog(all.get(9).atMillis() + 1)).isEqualTo(3);
        Page<LogEntry> third = store.log("user:alice", second.next(), 5);
        assertThat(third.items()).as("the cursor's entry was pruned; the page still follows it").isEmpty();
        assertThat(third.next()).isNull();
    }

    @Test
    void pruningDeletesEntriesOlderThanTheInstantAndCountsThem() {
        store.append(violation("user:alice", "logins", 1, now - 3 * HOUR));
        store.append(violation("user:bob", "logins", 1, now - 2 * HOUR));
        LogEntry boundary = store.append(violation("user:alice", "logins", 1, now - HOUR));
        LogEntry recent = store.append(violation("user:alice", "logins", 1, now));
        assertThat(store.pruneLog(now - HOUR)).isEqualTo(2);
        assertThat(store.log("user:alice", null, 10).items()).containsExactly(recent, boundary);
        assertThat(store.log("user:bob", null, 10).items()).isEmpty();
        assertThat(store.pruneLog(now - HOUR)).isZero();
    }

    // ---- token revocation ---------------------------------------------------------------

    @Test
    void aRevokedTokenStaysRevokedUntilItWouldHaveExpired() {
        store.revokeToken("jti-1", now + HOUR);
        assertThat(store.isTokenRevoked("jti-1", now)).isTrue();
        assertThat(store.isTokenRevoked("jti-1", now + HOUR - 1)).isTrue();
        assertThat(store.isTokenRevoked("jti-1", now + HOUR)).as("the token has expired by itself").isFalse();
        assertThat(store.isTokenRevoked("jti-2", now)).isFalse();
        store.revokeToken("jti-1", now + MINUTE);
        assertThat(store.isTokenRevoked("jti-1", now + 30 * MINUTE)).as("a second revocation never shortens the first").isTrue();
        store.revokeToken("jti-1", now + 2 * HOUR);
        assertThat(store.isTokenRevoked("jti-1", now + 90 * MINUTE)).isTrue();
    }

    @Test
    void revokingAUsersTokensKeepsTheLatestInstant() {
        assertThat(store.userTokensRevokedBefore("user:alice")).isEqualTo(Long.MIN_VALUE);
        store.revokeUserTokens("user:alice", now);
        assertThat(store.userTokensRevokedBefore("user:alice")).isEqualTo(now);
        store.revokeUserTokens("user:alice", now - HOUR);
        assertThat(store.userTokensRevokedBefore("user:alice")).isEqualTo(now);
        store.revokeUserTokens("user:alice", now + HOUR);
        assertThat(store.userTokensRevokedBefore("user:alice")).isEqualTo(now + HOUR);
        assertThat(store.userTokensRevokedBefore("user:bob")).isEqualTo(Long.MIN_VALUE);
    }

    // ---- link-spam state ----------------------------------------------------------------

    @Test
    void linkSpamStateLastsUntilItExpiresAndIsReplacedByTheNextWrite() {
        assertThat(store.linkSpamState("dm:alice", now)).isNull();
        store.putLinkSpamState("dm:alice", "{\"links\":3,\"kicks\":1}", now + MINUTE);
        assertThat(store.linkSpamState("dm:alice", now + MINUTE - 1)).isEqualTo("{\"links\":3,\"kicks\":1}");
        assertThat(store.linkSpamState("dm:alice", now + MINUTE)).isNull();
        store.putLinkSpamState("dm:alice", "{\"links\":1}", now + 2 * MINUTE);
        assertThat(store.linkSpamState("dm:alice", now + MINUTE)).isEqualTo("{\"links\":1}");
        store.putLinkSpamState("dm:alice", "", now + 3 * MINUTE);
        assertThat(store.linkSpamState("dm:alice", now + MINUTE)).isEmpty();
        assertThat(store.linkSpamState("dm:bob", now)).isNull();
    }

    // ---- durability ---------------------------------------------------------------------

    @Test
    void everythingAcknowledgedIsStillThereAfterReopening() {
        Ban auto = new Ban("user:alice", "too many logins", "logins", BanSource.AUTO, now, now + DAY, 20, "moat");
        Ban manual = new Ban("cidr:2001:db8::/64", "spam wave", "manual", BanSource.MANUAL, now + 1, now + 2 * DAY, 0, "ops-key");
        store.putBan(auto);
        store.putBan(manual);
        store.putBan(ban("ip:203.0.113.9", BanSource.AUTO, now, now + 1)); // expires at once
        store.putBan(ban("user:lifted", BanSource.AUTO, now, now + DAY));
        store.removeBan("user:lifted");
        store.addScore("user:alice", "logins", 8, now, HOUR);
        store.addScore("user:alice", "non_browser", 20, now, HOUR);
        store.addScore("user:reset", "logins", 5, now, HOUR);
        store.resetScores("user:reset");
        LogEntry first = store.append(violation("user:alice", "logins", 1, now));
        LogEntry second = store.append(new LogEntry(0, "user:alice", LogEntry.Kind.BAN, "logins", 0, 20, now + 1, true,
                "banned", "moat", Map.of("realm", "client", "action", "login")));
        store.revokeToken("jti-1", now + HOUR);
        store.revokeUserTokens("user:alice", now + 5);
        store.putLinkSpamState("dm:alice", "{\"links\":2}", now + HOUR);

        reopenStore();

        assertThat(store.activeBans(now + 2)).containsExactlyInAnyOrder(auto, manual);
        assertThat(store.listBans(null, null, now + 2, null, 10).items()).containsExactly(manual, auto);
        assertThat(store.banCount("user:alice")).isEqualTo(1);
        assertThat(store.banCount("user:lifted")).isEqualTo(1);
        assertThat(store.banCount("ip:203.0.113.9")).isEqualTo(1);
        Map<String, Double> scores = store.scores("user:alice", now + HOUR, HOUR);
        assertThat(scores.get("logins")).as("decay continues from the original instant").isCloseTo(4, within(1e-9));
        assertThat(scores.get("non_browser")).isCloseTo(10, within(1e-9));
        assertThat(store.scores("user:reset", now, HOUR)).isEmpty();
        assertThat(store.log("user:alice", null, 10).items()).containsExactly(second, first);
        LogEntry third = store.append(violation("user:alice", "logins", 1, now + 2));
        assertThat(third.seq()).as("sequence numbers keep growing across a restart").isGreaterThan(second.seq());
        assertThat(store.isTokenRevoked("jti-1", now + HOUR - 1)).isTrue();
        assertThat(store.userTokensRevokedBefore("user:alice")).isEqualTo(now + 5);
        assertThat(store.linkSpamState("dm:alice", now)).isEqualTo("{\"links\":2}");
        assertThat(store.topScores(1, now, HOUR)).containsExactly(Map.entry("user:alice", 20.0));
    }

    @Test
    void writesFromManyThreadsAreAllThereAfterReopening() throws InterruptedException {
        int threads = 8;
        int each = 50;
        CountDownLatch go = new CountDownLatch(1);
        List<Throwable> failures = Collections.synchronizedList(new ArrayList<>());
        Set<Long> seqs = Collections.synchronizedSet(new HashSet<>());
        List<Thread> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Thread th = new Thread(() -> {
                try {
                    go.await();
                    for (int i = 0; i < each; i++) {
                        seqs.add(store.append(violation("user:t" + thread, "logins", 1, now + i)).seq());
                        store.putBan(ban("user:t" + thread + ":" + i, BanSource.AUTO, now, now + DAY));
                        store.addScore("user:shared", "logins", 1, now, 0);
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
            running.add(th);
            th.start();
        }
        go.countDown();
        for (Thread th : running) {
            th.join();
        }
        assertThat(failures).isEmpty();
        assertThat(seqs).as("every append got its own sequence number").hasSize(threads * each);
        reopenStore();
        assertThat(store.activeBans(now)).hasSize(threads * each);
        assertThat(store.scores("user:shared", now, 0).get("logins")).isEqualTo((double) threads * each);
        for (int t = 0; t < threads; t++) {
            assertThat(store.log("user:t" + t, null, 1000).items()).hasSize(each);
        }
    }
}
