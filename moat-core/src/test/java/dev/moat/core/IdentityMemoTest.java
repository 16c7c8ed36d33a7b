package dev.moat.core;

import dev.moat.core.policy.BanPolicy;
import dev.moat.core.policy.By;
import dev.moat.core.policy.MoatPolicy;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.moat.core.Policies.DAY;
import static dev.moat.core.Policies.HOUR;
import static dev.moat.core.Policies.limits;
import static dev.moat.core.Policies.perDay;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A memo only spares the parsing: every decision is the one the engine gives without it. */
class IdentityMemoTest {

    private static MoatPolicy policy(int ipv6Prefix) {
        return limits().target("message", perDay(5, By.IP)).target("login", perDay(3, By.USER)).policy()
                .withBans(new BanPolicy(true, 12, HOUR, true, ipv6Prefix, 1, DAY));
    }

    private static String summary(Decision d) {
        List<String> limits = new ArrayList<>();
        for (LimitStatus l : d.limits()) {
            limits.add(l.id() + "|" + l.key() + "|" + l.remaining());
        }
        return d.verdict() + " " + d.reason() + " " + limits;
    }

    @Test
    void aMemoDecidesExactlyAsWithoutOne() {
        Moat with = Policies.moat(new ManualClock(), policy(64));
        Moat without = Policies.moat(new ManualClock(), policy(64));
        IdentityMemo memo = new IdentityMemo();
        String[] users = {"alice", "alice", "bob", "alice", "@carol:example.org"};
        String[] ips = {"203.0.113.5", "2001:db8::1", "2001:db8::2", "203.0.113.5", "2001:db8:0:1::9"};
        for (int round = 0; round < 4; round++) {
            for (int i = 0; i < users.length; i++) {
                for (String action : new String[] {"message", "login"}) {
                    CheckRequest r = CheckRequest.builder(action).user(users[i]).ip(ips[i]).build();
                    assertThat(summary(with.check(r, memo))).isEqualTo(summary(without.check(r)));
                }
            }
        }
    }

    @Test
    void theSameRequestStringsAreParsedOnceAndNewOnesAfresh() {
        Moat moat = Policies.moat(new ManualClock(), policy(64));
        IdentityMemo memo = new IdentityMemo();
        String user = "alice";
        String ip = "2001:db8::1";
        Decision first = moat.check(CheckRequest.builder("login").user(user).ip(ip).build(), memo);
        Decision again = moat.check(CheckRequest.builder("login").user(user).ip(ip).build(), memo);
        assertThat(again.limits().get(0).key()).isEqualTo(first.limits().get(0).key()).isEqualTo("user:alice");
        assertThat(again.limits().get(0).remaining()).isEqualTo(first.limits().get(0).remaining() - 1);

        Decision bob = moat.check(CheckRequest.builder("login").user("bob").ip(ip).build(), memo);
        assertThat(bob.limits().get(0).key()).isEqualTo("user:bob");
        Decision equalText = moat.check(CheckRequest.builder("login").user(new String("bob".toCharArray())).ip(ip).build(), memo);
        assertThat(equalText.limits().get(0).key()).as("equal text in a new String: parsed again, same key").isEqualTo("user:bob");
    }

    @Test
    void aReloadedPolicyIsAppliedToTheKeptSubjects() {
        Moat moat = Policies.moat(new ManualClock(), policy(64));
        IdentityMemo memo = new IdentityMemo();
        String ip = "2001:db8::1";
        String before = moat.check(CheckRequest.builder("message").ip(ip).build(), memo).limits().get(0).key();
        moat.reload(policy(128));
        String after = moat.check(CheckRequest.builder("message").ip(ip).build(), memo).limits().get(0).key();
        assertThat(before).as("an IPv6 address counts by its /64").isNotEqualTo(after);
        assertThat(after).isEqualTo(moat.check(CheckRequest.builder("message").ip(ip).build()).limits().get(0).key());
    }

    @Test
    void badInputIsRefusedWithAMemoAsWithout() {
        Moat moat = Policies.moat(new ManualClock(), policy(64));
        IdentityMemo memo = new IdentityMemo();
        moat.check(CheckRequest.builder("message").ip("203.0.113.5").build(), memo);
        assertThatThrownBy(() -> moat.check(CheckRequest.builder("message").ip("not an address").build(), memo))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("ip");
        String ip = "203.0.113.5";
        moat.check(CheckRequest.builder("message").ip(ip).build(), memo);
        assertThatThrownBy(() -> moat.check(CheckRequest.builder("").ip(ip).build(), memo))
                .as("the kept address does not skip the action's own check")
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("action");
    }

    @Test
    void keptCallsSpendEachLimitItsOwnCostAndGlobalLimitsTheirOwnKey() {
        MoatPolicy p = limits().target("message", perDay(5, By.IP), perDay(4, By.USER))
                .global("message", perDay(100, By.TARGET)).target("login", perDay(3, By.USER)).policy();
        Moat with = Policies.moat(new ManualClock(), p);
        Moat without = Policies.moat(new ManualClock(), p);
        IdentityMemo memo = new IdentityMemo();
        String user = "alice";
        String ip = "203.0.113.5";
        long[] costs = {1, 1, 2, 1, 3, 1};
        for (long cost : costs) {
            for (String action : new String[] {"message", "login"}) {
                CheckRequest r = CheckRequest.builder(action).user(user).ip(ip).cost(cost).build();
                assertThat(summary(with.check(r, memo))).isEqualTo(summary(without.check(r)));
            }
        }
        // another subject on the same memo: its own counters, not the kept calls of the first
        CheckRequest bob = CheckRequest.builder("message").user("bob").ip(ip).build();
        assertThat(summary(with.check(bob, memo))).isEqualTo(summary(without.check(bob)));
    }

    @Test
    void aMemosIdentityKeepsAtMostABoundedNumberOfCalls() {
        KeptCalls kept = new KeptCalls();
        CompiledPolicy.CompiledLimit l = new CompiledPolicy.CompiledLimit("client.target.message", By.IP, false,
                dev.moat.core.limit.LimitSpec.gcra(5, DAY).limiter());
        dev.moat.core.store.LimitCall first = kept.call(l, "ip:203.0.113.5", 1);
        assertThat(kept.call(l, new String("ip:203.0.113.5".toCharArray()), 1)).as("equal key text: the kept call")
                .isSameAs(first);
        assertThat(kept.call(l, "ip:203.0.113.5", 2)).as("another cost: another call").isNotSameAs(first)
                .isEqualTo(new dev.moat.core.store.LimitCall(l.keys(), "ip:203.0.113.5", l.limiter(), 2));
        for (int cost = 3; cost < 3 + 2 * KeptCalls.MAX_CALLS; cost++) {
            assertThat(kept.call(l, "ip:203.0.113.5", cost).cost()).isEqualTo(cost);
        }
        assertThat(kept.size()).isEqualTo(KeptCalls.MAX_CALLS);
    }
}
