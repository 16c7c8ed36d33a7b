package dev.moat.core;

import dev.moat.core.ban.Ban;
import dev.moat.core.ban.BanSource;
import dev.moat.core.ban.LogEntry;
import dev.moat.core.ban.ScoreChange;
import dev.moat.core.limit.LimitSpec;
import dev.moat.core.policy.By;
import dev.moat.core.policy.MoatPolicy;
import dev.moat.core.policy.RequestChecks;
import dev.moat.core.store.MemoryLimitStore;
import dev.moat.core.store.MemoryStateStore;
import dev.moat.core.store.Page;
import dev.moat.core.store.StateStore;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.moat.core.Policies.HOUR;
import static dev.moat.core.Policies.MINUTE;
import static dev.moat.core.Policies.limit;
import static dev.moat.core.Policies.limits;
import static dev.moat.core.Policies.perDay;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code dry_run: true} evaluates and reports, and changes no counter, score, ban or log. */
class DryRunTest {

    private final ManualClock clock = new ManualClock();
    private final RecordingStateStore state = new RecordingStateStore();
    private final MemoryLimitStore counters = new MemoryLimitStore();
    private final List<String> events = new ArrayList<>();
    private Moat moat;

    @BeforeEach
    void setUp() {
        MoatPolicy policy = limits()
                .target("login", perDay(3, By.IP))
                .target("message", limit(LimitSpec.gcra(10, MINUTE), By.USER))
                .global("invite", perDay(5, By.TARGET))
                .policy()
                .withRequestChecks(new RequestChecks(Set.of("tool_call"), Map.of("openai", Set.of("gpt-4o"))));
        moat = Moat.builder().clock(clock).policy(policy).limitStore(counters).stateStore(state)
                .listener(new MoatListener() {
                    @Override
                    public void onViolation(ViolationRecord v, CheckRequest r) {
                        events.add("violation");
                    }

                    @Override
                    public void onBanStarted(Ban ban) {
                        events.add("ban");
                    }

                    @Override
                    public void onKick(String user, String reason) {
                        events.add("kick");
                    }

                    @Override
                    public void onReport(String kind, CheckRequest request, Decision decision) {
                        events.add("report");
                    }
                })
                .build();
    }

    private static CheckRequest.Builder login(String user, String ip) {
        return CheckRequest.builder("login").user(user).ip(ip);
    }

    private record Snapshot(List<Map.Entry<String, Double>> top, List<Ban> bans, Page<LogEntry> aliceLog,
                            Map<String, Double> aliceScores, int trackedKeys, int activeBans) {
    }

    private Snapshot snapshot() {
        Moat.History alice = moat.history("user:alice", null, 1000);
        return new Snapshot(moat.topOffenders(100), moat.bans(null, null, null, 1000).items(), alice.log(),
                alice.scores(), counters.trackedKeys(), moat.activeBanCount());
    }

    @Test
    void aDryRunReportsTheVerdictItWouldGiveAndChangesNothing() {
        for (int i = 0; i < 3; i++) {
            moat.check(login("alice", "203.0.113.5").build());
        }
        for (int i = 0; i < 19; i++) {
            moat.check(login("alice", "203.0.113.5").build()); // 19 logins violations
        }
        for (int to = 1; to <= 5; to++) {
            moat.check(CheckRequest.builder("message").user("dave").dm("@u" + to, "see https://spam.example/x").build());
        }
        moat.ban("user:mallory", HOUR, null, "ops");
        Snapshot before = snapshot();
        int writesBefore = state.writes.size();
        events.clear();

        Decision wouldBan = moat.check(login("alice", "203.0.113.5").dryRun(true).build());
        assertThat(wouldBan.verdict()).isEqualTo(Verdict.BAN);
        assertThat(wouldBan.reason()).isEqualTo(Reason.RATE_LIMITED);
        assertThat(wouldBan.violation().total()).isEqualTo(20);
        assertThat(wouldBan.ban().subject()).isEqualTo("user:alice");

        Decision wouldAllow = moat.check(login("bob", "198.51.100.1").dryRun(true).build());
        assertThat(wouldAllow.allowed()).isTrue();
        assertThat(wouldAllow.limits().get(0).remaining()).isEqualTo(2);

        Decision nonBrowser = moat.check(CheckRequest.builder("tool_call").user("carol").userAgent("curl/8").dryRun(true).build());
        assertThat(nonBrowser.verdict()).isEqualTo(Verdict.BAN);
        assertThat(nonBrowser.reason()).isEqualTo(Reason.NON_BROWSER);

        Decision illegal = moat.check(CheckRequest.builder("tool_call").user("carol")
                .userAgent("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36")
                .model("openai", "o9-secret").dryRun(true).build());
        assertThat(illegal.reason()).isEqualTo(Reason.ILLEGAL_MODEL);
        assertThat(illegal.violation().score()).isEqualTo(5);

        Decision kick = moat.check(CheckRequest.builder("message").user("dave").dm("@u6", "see https://spam.example/x")
                .dryRun(true).build());
        assertThat(kick.verdict()).isEqualTo(Verdict.KICK);
        assertThat(kick.reason()).isEqualTo(Reason.LINK_SPAM);

        assertThat(moat.check(CheckRequest.builder("invite").user("erin").dryRun(true).build()).allowed()).isTrue();
        assertThat(moat.check(login("mallory", null).dryRun(true).build()).reason()).isEqualTo(Reason.BANNED);

        assertThat(state.writes.subList(writesBefore, state.writes.size())).as("store writes during dry runs").isEmpty();
        assertThat(snapshot()).isEqualTo(before);
        assertThat(events).as("no violation, ban, kick or report events").isEmpty();

        // and the real requests behave as if the dry runs never happened
        assertThat(moat.check(CheckRequest.builder("message").user("dave").dm("@u6", "see https://spam.example/x").build())
                .verdict()).as("the 6th recipient kicks, it does not ban").isEqualTo(Verdict.KICK);
        for (int i = 0; i < 3; i++) {
            assertThat(moat.check(login("bob", "198.51.100.1").build()).allowed()).isTrue();
        }
        assertThat(moat.check(login("bob", "198.51.100.1").build()).allowed()).isFalse();
        Decision real = moat.check(login("alice", "203.0.113.5").build());
        assertThat(real.verdict()).isEqualTo(Verdict.BAN);
        assertThat(real.violation().total()).isEqualTo(20);
    }

    @Test
    void aDryRunAtTheEdgeOfALimitDoesNotSpendIt() {
        for (int i = 0; i < 2; i++) {
            moat.check(login(null, "192.0.2.1").build());
        }
        for (int i = 0; i < 10; i++) {
            Decision d = moat.check(login(null, "192.0.2.1").dryRun(true).build());
            assertThat(d.allowed()).isTrue();
            assertThat(d.limits().get(0).remaining()).isZero();
        }
        assertThat(moat.check(login(null, "192.0.2.1").build()).allowed()).isTrue();
        assertThat(moat.check(login(null, "192.0.2.1").build()).allowed()).isFalse();
    }

    /** A MemoryStateStore that records the name of every write. */
    static final class RecordingStateStore implements StateStore {
        final List<String> writes = new ArrayList<>();
        private final MemoryStateStore d = new MemoryStateStore();

        @Override
        public void putBan(Ban ban) {
            writes.add("putBan");
            d.putBan(ban);
        }

        @Override
        public boolean removeBan(String subject) {
            writes.add("removeBan");
            return d.removeBan(subject);
        }

        @Override
        public List<Ban> activeBans(long nowMillis) {
            return d.activeBans(nowMillis);
        }

        @Override
        public Page<Ban> listBans(String subjectFilter, BanSource source, long nowMillis, String cursor, int limit) {
            return d.listBans(subjectFilter, source, nowMillis, cursor, limit);
        }

        @Override
        public int banCount(String subject) {
            return d.banCount(subject);
        }

        @Override
        public ScoreChange addScore(String subject, String type, double score, long nowMillis, long halfLifeMillis) {
            writes.add("addScore");
            return d.addScore(subject, type, score, nowMillis, halfLifeMillis);
        }

        @Override
        public Map<String, Double> scores(String subject, long nowMillis, long halfLifeMillis) {
            return d.scores(subject, nowMillis, halfLifeMillis);
        }

        @Override
        public void resetScores(String subject) {
            writes.add("resetScores");
            d.resetScores(subject);
        }

        @Override
        public LogEntry append(LogEntry entry) {
            writes.add("append");
            return d.append(entry);
        }

        @Override
        public Page<LogEntry> log(String subject, String cursor, int limit) {
            return d.log(subject, cursor, limit);
        }

        @Override
        public List<Map.Entry<String, Double>> topScores(int limit, long nowMillis, long halfLifeMillis) {
            return d.topScores(limit, nowMillis, halfLifeMillis);
        }

        @Override
        public int pruneLog(long beforeMillis) {
            writes.add("pruneLog");
            return d.pruneLog(beforeMillis);
        }

        @Override
        public void revokeToken(String jti, long expiresAtMillis) {
            writes.add("revokeToken");
            d.revokeToken(jti, expiresAtMillis);
        }

        @Override
        public boolean isTokenRevoked(String jti, long nowMillis) {
            return d.isTokenRevoked(jti, nowMillis);
        }

        @Override
        public void revokeUserTokens(String user, long beforeMillis) {
            writes.add("revokeUserTokens");
            d.revokeUserTokens(user, beforeMillis);
        }

        @Override
        public long userTokensRevokedBefore(String user) {
            return d.userTokensRevokedBefore(user);
        }

        @Override
        public String linkSpamState(String key, long nowMillis) {
            return d.linkSpamState(key, nowMillis);
        }

        @Override
        public void putLinkSpamState(String key, String state, long expiresAtMillis) {
            writes.add("putLinkSpamState");
            d.putLinkSpamState(key, state, expiresAtMillis);
        }
    }
}
