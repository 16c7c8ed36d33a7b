package dev.moat.core;

import dev.moat.core.ban.Ban;
import dev.moat.core.ban.BanSource;
import dev.moat.core.policy.By;
import dev.moat.core.policy.MoatPolicy;
import dev.moat.core.policy.RequestChecks;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import static dev.moat.core.Policies.HOUR;
import static dev.moat.core.Policies.limits;
import static dev.moat.core.Policies.perDay;
import static org.assertj.core.api.Assertions.assertThat;

/** Listeners see bans start and end, violations and kicks; a failing listener changes nothing. */
class BanEventsTest {

    private final ManualClock clock = new ManualClock();
    private final MoatPolicy policy = limits().target("login", perDay(1, By.IP)).policy()
            .withRequestChecks(new RequestChecks(Set.of("tool_call"), Map.of()));

    /** Records every event as a line. */
    static final class Recorder implements MoatListener {
        final List<String> lines = new ArrayList<>();
        final List<Ban> started = new ArrayList<>();

        @Override
        public void onViolation(ViolationRecord v, CheckRequest r) {
            lines.add("violation " + v.subject() + " " + v.type() + " " + (long) v.total()
                    + (r == null ? "" : " " + r.action()));
        }

        @Override
        public void onBanStarted(Ban ban) {
            started.add(ban);
            lines.add("ban " + ban.subject() + " " + ban.source().wire() + " " + ban.actor());
        }

        @Override
        public void onBanLifted(String subject, String actor, String reason) {
            lines.add("unban " + subject + " " + actor + " " + reason);
        }

        @Override
        public void onKick(String user, String reason) {
            lines.add("kick " + user + " " + reason);
        }
    }

    @Test
    void autoBanViolationsAndKickReachTheListener() {
        Recorder rec = new Recorder();
        Moat moat = Moat.builder().clock(clock).policy(policy).listener(rec).build();
        CheckRequest login = CheckRequest.builder("login").user("alice").ip("203.0.113.5").build();
        moat.check(login);
        for (int i = 0; i < 20; i++) {
            moat.check(login);
        }
        assertThat(rec.lines).hasSize(19 + 1 + 2 + 1);
        assertThat(rec.lines.get(0)).isEqualTo("violation user:alice logins 1 login");
        assertThat(rec.lines.subList(19, rec.lines.size())).containsExactly(
                "ban user:alice auto moat",
                "ban ip:203.0.113.5 auto moat",
                "violation user:alice logins 20 login",
                "kick alice rate_limited");
        assertThat(rec.started.get(0).source()).isEqualTo(BanSource.AUTO);
        assertThat(rec.started.get(0).expiresAtMillis() - rec.started.get(0).createdAtMillis()).isEqualTo(2 * HOUR);
    }

    @Test
    void manualBanAndUnbanReachTheListenerWithTheActor() {
        Recorder rec = new Recorder();
        Moat moat = Moat.builder().clock(clock).policy(policy).listener(rec).build();
        moat.ban("user:mallory", HOUR, "spam", "alice-admin");
        moat.ban("cidr:198.51.100.0/24", HOUR, "scanner", "ops");
        moat.unban("user:mallory", "bob-admin", "appeal");
        moat.unban("user:nobody", "bob-admin", "nothing to lift");
        assertThat(rec.lines).containsExactly(
                "ban user:mallory manual alice-admin",
                "kick mallory banned",
                "ban cidr:198.51.100.0/24 manual ops",
                "unban user:mallory bob-admin appeal");
    }

    @Test
    void aReportedViolationThatBansKicksTheUser() {
        Recorder rec = new Recorder();
        Moat moat = Moat.builder().clock(clock).policy(policy).listener(rec).build();
        moat.reportViolation("illegal_model_request", "carol", null, 20.0, null);
        assertThat(rec.lines).containsExactly(
                "ban user:carol auto moat",
                "violation user:carol illegal_model_request 20",
                "kick carol illegal_model");
    }

    @Test
    void listenersAddedAfterBuildAndRemovedStopReceiving() {
        Recorder rec = new Recorder();
        Moat moat = Moat.builder().clock(clock).policy(policy).build();
        moat.addListener(rec);
        moat.ban("user:a", HOUR, null, "ops");
        moat.removeListener(rec);
        moat.ban("user:b", HOUR, null, "ops");
        assertThat(rec.lines).containsExactly("ban user:a manual ops", "kick a banned");
    }

    /** Throws from every method: unchecked, and checked ones smuggled past javac as Kotlin code does. */
    static final class Throwing implements MoatListener {
        private final Function<String, Throwable> what;
        int calls;

        Throwing(Function<String, Throwable> what) {
            this.what = what;
        }

        private void boom(String where) {
            calls++;
            Throwing.<RuntimeException>sneaky(what.apply(where));
        }

        @SuppressWarnings("unchecked")
        private static <T extends Throwable> void sneaky(Throwable t) throws T {
            throw (T) t;
        }

        @Override
        public void onDecision(CheckRequest request, Decision decision) {
            boom("decision");
        }

        @Override
        public void onViolation(ViolationRecord v, CheckRequest r) {
            boom("violation");
        }

        @Override
        public void onBanStarted(Ban ban) {
            boom("ban");
        }

        @Override
        public void onBanLifted(String subject, String actor, String reason) {
            boom("unban");
        }

        @Override
        public void onKick(String user, String reason) {
            boom("kick");
        }

        @Override
        public void onReport(String kind, CheckRequest request, Decision decision) {
            boom("report");
        }
    }

    private List<String> scenario(Moat moat) {
        List<String> out = new ArrayList<>();
        CheckRequest login = CheckRequest.builder("login").user("alice").ip("203.0.113.5").build();
        for (int i = 0; i < 22; i++) {
            Decision d = moat.check(login);
            out.add(d.verdict() + " " + d.reason() + " " + (d.ban() == null ? "-" : d.ban().subject()));
        }
        Decision nb = moat.check(CheckRequest.builder("tool_call").user("bob").userAgent("curl/8").build());
        out.add(nb.verdict() + " " + nb.reason());
        out.add(String.valueOf(moat.ban("user:mallory", HOUR, null, "ops").subject()));
        out.add(String.valueOf(moat.unban("user:alice", "ops", null)));
        out.add(String.valueOf(moat.reportViolation("x", "dave", null, 20.0, null).ban() != null));
        out.add(String.valueOf(moat.check(login).verdict()));
        out.add(moat.bans(null, null, null, 100).items().toString());
        return out;
    }

    @Test
    void aThrowingListenerNeverChangesADecision() {
        List<String> quiet = scenario(Moat.builder().clock(new ManualClock()).policy(policy).build());

        Throwing unchecked = new Throwing(where -> new IllegalStateException("listener failed in " + where));
        Throwing checked = new Throwing(where -> new IOException("webhook down in " + where));
        List<String> loud = scenario(Moat.builder().clock(new ManualClock()).policy(policy)
                .listener(unchecked).listener(checked).listener(new Recorder()).build());

        assertThat(loud).isEqualTo(quiet);
        assertThat(unchecked.calls).isGreaterThan(20);
        assertThat(checked.calls).isEqualTo(unchecked.calls);
    }

    @Test
    void aListenerAfterAThrowingOneStillHearsEverything() {
        Recorder rec = new Recorder();
        Moat moat = Moat.builder().clock(clock).policy(policy)
                .listener(new Throwing(where -> new IOException(where))).listener(rec).build();
        moat.ban("user:mallory", HOUR, null, "ops");
        assertThat(rec.lines).containsExactly("ban user:mallory manual ops", "kick mallory banned");
    }
}
