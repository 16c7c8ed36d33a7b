package dev.moat.sqlite;

import dev.moat.core.CheckRequest;
import dev.moat.core.Decision;
import dev.moat.core.ManualClock;
import dev.moat.core.Moat;
import dev.moat.core.Reason;
import dev.moat.core.Verdict;
import dev.moat.core.policy.MoatPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 3: "a decision for a subject that is not banned does no disk I/O (bans are served from
 * memory)". The engine runs on a real SQLite store holding user, address and CIDR bans; the
 * store counts its reads and commits, and none may happen while subjects that are not banned are
 * decided (nor while banned ones are refused). Then the store is closed, so that any call into it
 * throws: the same decisions must still be answered, which proves they never reach the store at
 * all, not only that they skip the counted paths.
 */
class UnbannedDecisionsDoNoDiskIoTest {
    private static final long DAY_MILLIS = 24 * 3_600_000L;
    private static final int DECISIONS = 2_000;

    @TempDir
    Path dir;

    @Test
    void decisionsForSubjectsThatAreNotBannedNeverReachTheStore() {
        ManualClock clock = new ManualClock();
        SqliteStateStore store = SqliteStateStore.open(dir, clock);
        Moat moat = Moat.builder().policy(MoatPolicy.defaults()).stateStore(store).clock(clock).build();
        moat.ban("user:mallory", DAY_MILLIS, "spam", "ops");
        moat.ban("ip:203.0.113.66", DAY_MILLIS, "scanner", "ops");
        moat.ban("cidr:198.51.100.0/24", DAY_MILLIS, "botnet", "ops");
        moat.ban("cidr:2001:db8:bad::/48", DAY_MILLIS, "botnet", "ops");

        long reads = store.reads();
        long commits = store.commits();
        decideEveryone(moat, clock);
        assertThat(store.reads()).as("queries of moat.db while deciding").isEqualTo(reads);
        assertThat(store.commits()).as("commits to moat.db while deciding").isEqualTo(commits);

        store.close();
        assertThatThrownBy(() -> store.banCount("user:mallory")).as("a closed store refuses every call")
                .isInstanceOf(IllegalStateException.class);
        decideEveryone(moat, clock); // answered from memory alone
    }

    /** Decides {@value #DECISIONS} requests of subjects that are not banned, and the banned ones. */
    private static void decideEveryone(Moat moat, ManualClock clock) {
        for (int i = 0; i < DECISIONS; i++) {
            // a new user and address each time, and a second apart for the default policy's global
            // budget: no limit refuses (a refusal would record a violation, a write)
            clock.advanceMillis(1_000);
            String ip = (i % 2 == 0) ? "192.0.2." + (i % 250) : "2001:db8:" + Integer.toHexString(i) + "::7";
            Decision d = moat.check(CheckRequest.builder("message").user("@user" + i + ":example.org").ip(ip).build());
            assertThat(d.verdict()).as("request %d from %s: %s", i, ip, d).isEqualTo(Verdict.ALLOW);
        }
        assertBanned(moat.check(CheckRequest.builder("message").user("mallory").ip("192.0.2.1").build()), "user:mallory");
        assertBanned(moat.check(CheckRequest.builder("message").ip("203.0.113.66").build()), "ip:203.0.113.66");
        assertBanned(moat.check(CheckRequest.builder("message").ip("198.51.100.200").build()), "cidr:198.51.100.0/24");
        assertBanned(moat.check(CheckRequest.builder("login").ip("2001:db8:bad:1::9").build()), "cidr:2001:db8:bad::/48");
    }

    private static void assertBanned(Decision d, String subject) {
        assertThat(d.verdict()).isEqualTo(Verdict.DENY);
        assertThat(d.reason()).isEqualTo(Reason.BANNED);
        assertThat(d.ban().subject()).isEqualTo(subject);
    }
}
