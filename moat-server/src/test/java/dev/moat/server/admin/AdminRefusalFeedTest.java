package dev.moat.server.admin;

import dev.moat.core.CheckRequest;
import dev.moat.core.Decision;
import dev.moat.core.LimitStatus;
import dev.moat.core.Reason;
import dev.moat.core.Verdict;
import dev.moat.core.ban.Ban;
import dev.moat.core.ban.BanSource;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The feed's ring: bounded, newest first, replay after an id without gaps or repeats, never message text. */
class AdminRefusalFeedTest {
    private final AtomicLong now = new AtomicLong(1_700_000_000_000L);

    private static Decision deny(Reason reason) {
        return new Decision(Verdict.DENY, reason, "no", 1000, null, List.of(), null, null, null, null, null);
    }

    private static CheckRequest login(String ip) {
        return CheckRequest.builder("login").ip(ip).build();
    }

    private RefusalFeed feed(int capacity) {
        return new RefusalFeed(capacity, now::get);
    }

    private static List<Long> ids(List<RefusalEvent> events) {
        return events.stream().map(RefusalEvent::id).toList();
    }

    @Test
    void allowedDecisionsAndDryRunsAreNotKept() {
        RefusalFeed f = feed(4);
        f.onDecision(login("203.0.113.7"), new Decision(Verdict.ALLOW, null, null, -1, null, List.of(), null, null,
                null, null, null));
        f.onDecision(CheckRequest.builder("login").ip("203.0.113.7").dryRun(true).build(), deny(Reason.RATE_LIMITED));
        assertThat(f.lastId()).isZero();
        assertThat(f.recent(10)).isEmpty();
    }

    @Test
    void keepsOnlyTheNewestCapacityNewestFirst() {
        RefusalFeed f = feed(3);
        for (int i = 1; i <= 5; i++) {
            f.onDecision(login("203.0.113." + i), deny(Reason.RATE_LIMITED));
        }
        assertThat(f.lastId()).isEqualTo(5);
        assertThat(ids(f.recent(10))).containsExactly(5L, 4L, 3L);
        assertThat(ids(f.recent(2))).containsExactly(5L, 4L);
        assertThat(f.recent(0)).isEmpty();
        assertThat(f.recent(1).get(0).subject()).isEqualTo("ip:203.0.113.5");
    }

    @Test
    void replaysAfterTheLastSeenIdThenDeliversLiveInOrder() {
        RefusalFeed f = feed(10);
        for (int i = 0; i < 4; i++) {
            f.onDecision(login("203.0.113.9"), deny(Reason.BANNED));
        }
        List<Long> got = new ArrayList<>();
        RefusalFeed.Subscription s = f.subscribe(2, e -> got.add(e.id()));
        assertThat(got).containsExactly(3L, 4L);
        f.onDecision(login("203.0.113.9"), deny(Reason.BANNED));
        assertThat(got).containsExactly(3L, 4L, 5L);
        s.close();
        s.close();
        f.onDecision(login("203.0.113.9"), deny(Reason.BANNED));
        assertThat(got).containsExactly(3L, 4L, 5L);
        assertThat(f.subscribers()).isZero();
    }

    @Test
    void liveOnlyReplaysNothingAndAnOverwrittenIdReplaysWhatIsLeft() {
        RefusalFeed f = feed(3);
        for (int i = 0; i < 6; i++) {
            f.onDecision(login("203.0.113.9"), deny(Reason.BANNED));
        }
        List<Long> live = new ArrayList<>();
        f.subscribe(-1, e -> live.add(e.id()));
        assertThat(live).isEmpty();
        List<Long> old = new ArrayList<>();
        f.subscribe(1, e -> old.add(e.id()));
        assertThat(old).containsExactly(4L, 5L, 6L);
    }

    @Test
    void aSinkThatThrowsIsDroppedAndOthersStillReceive() {
        RefusalFeed f = feed(3);
        List<Long> good = new ArrayList<>();
        f.subscribe(-1, e -> {
            throw new IllegalStateException("closed");
        });
        f.subscribe(-1, e -> good.add(e.id()));
        f.onDecision(login("203.0.113.9"), deny(Reason.BANNED));
        f.onDecision(login("203.0.113.9"), deny(Reason.BANNED));
        assertThat(good).containsExactly(1L, 2L);
        assertThat(f.subscribers()).isEqualTo(1);
    }

    @Test
    void anEventNamesWhoWhatAndWhichLimitOrBanButNeverTheMessageOrEmail() {
        RefusalFeed f = feed(3);
        CheckRequest r = CheckRequest.builder("message").user("alice").ip("[2001:DB8::1]:443").email("alice@example.org")
                .dm("bob", "buy cheap pills at spam.example").build();
        LimitStatus limit = new LimitStatus("client.target.message", "user", "user:alice", 5, 60_000, 0, 60_000, false, 9000);
        Ban ban = new Ban("user:alice", "rate_limited", "messages", BanSource.AUTO, now.get(), now.get() + 3_600_000, 20,
                "moat");
        f.onDecision(r, new Decision(Verdict.BAN, Reason.RATE_LIMITED, "slow down", 9000, limit, List.of(limit), null,
                ban, null, null, null));
        RefusalEvent e = f.recent(1).get(0);
        assertThat(e.subject()).isEqualTo("user:alice");
        assertThat(e.limitId()).isEqualTo("client.target.message");
        assertThat(e.banSubject()).isEqualTo("user:alice");
        assertThat(e.verdict()).isEqualTo("ban");
        assertThat(e.reason()).isEqualTo("rate_limited");
        String json = e.toJson().toString();
        assertThat(json).contains("\"at\":\"2023-11-14T22:13:20Z\"", "\"action\":\"message\"", "\"limit_id\"",
                "\"ban_subject\"");
        assertThat(json).doesNotContain("pills", "spam.example", "example.org", "bob", "slow down");
    }

    @Test
    void anIpSubjectIsNormalised() {
        RefusalFeed f = feed(1);
        f.onDecision(login("[2001:DB8:0:0::1]:443"), deny(Reason.BANNED));
        assertThat(f.recent(1).get(0).subject()).isEqualTo("ip:2001:db8::1");
    }

    @Test
    void whatTheRingKeepsReadsAsTheEventOfTheRefusalWhetherReadLaterOrLive() {
        RefusalFeed f = feed(8);
        List<RefusalEvent> live = new ArrayList<>();
        List<CheckRequest> requests = List.of(login("[2001:DB8:0:0::1]:443"), login("not an address"),
                CheckRequest.builder("invite").server("example.org").build(),
                CheckRequest.builder("invite").appservice("bridge").build(),
                CheckRequest.builder("login").user("alice").ip("203.0.113.7").build());
        Decision d = new Decision(Verdict.DENY, Reason.RATE_LIMITED, "no", 5,
                new LimitStatus("client.target.login", "ip", "ip:x", 1, 60_000, 0, 0, false, 5), List.of(), null,
                null, null, null, null);
        for (int i = 0; i < requests.size(); i++) {
            if (i == 2) {
                f.subscribe(-1, live::add);   // the first two are only read later, the others also live
            }
            f.onDecision(requests.get(i), d);
        }
        List<RefusalEvent> later = f.recent(10);
        for (int i = 0; i < requests.size(); i++) {
            RefusalEvent expected = RefusalEvent.of(i + 1, now.get(), requests.get(i), d);
            assertThat(later.get(requests.size() - 1 - i)).isEqualTo(expected);
            if (i >= 2) {
                assertThat(live.get(i - 2)).isEqualTo(expected);
            }
        }
        assertThat(later.get(requests.size() - 1).subject()).isEqualTo("ip:2001:db8::1");
    }

    @Test
    void concurrentPublishersNeitherLoseNorRepeatIds() throws Exception {
        RefusalFeed f = feed(10_000);
        List<Long> got = java.util.Collections.synchronizedList(new ArrayList<>());
        f.subscribe(-1, e -> got.add(e.id()));
        int threads = 4;
        int each = 500;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < each; i++) {
                    f.onDecision(login("203.0.113.1"), deny(Reason.RATE_LIMITED));
                }
            });
            th.start();
            ts.add(th);
        }
        go.countDown();
        for (Thread th : ts) {
            th.join();
        }
        assertThat(got).hasSize(threads * each);
        for (int i = 0; i < got.size(); i++) {
            assertThat(got.get(i)).isEqualTo(i + 1L);
        }
    }

    @Test
    void capacityMustBePositive() {
        assertThatThrownBy(() -> feed(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0");
    }
}
