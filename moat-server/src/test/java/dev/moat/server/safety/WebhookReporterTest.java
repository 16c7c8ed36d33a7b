package dev.moat.server.safety;

import dev.moat.core.CheckRequest;
import dev.moat.core.Decision;
import dev.moat.core.Verdict;
import dev.moat.core.ban.Ban;
import dev.moat.core.ban.BanSource;
import dev.moat.reliability.Poll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Kick, ban and report events reach a real local HTTP endpoint, with retries, off the deciding thread. */
class WebhookReporterTest {

    private static void awaitTrue(java.util.function.BooleanSupplier cond) {
        Poll.await(cond, 15_000, "the webhook deliveries");
    }

    @Test
    void banKickAndReportEventsArePostedAsJson() throws Exception {
        try (LocalHttpServer hook = new LocalHttpServer(s -> new LocalHttpServer.Answer(204, "", 0));
             WebhookReporter reporter = new WebhookReporter(hook.url("/hook"), 2000, 3, 10)) {
            reporter.onBanStarted(new Ban("user:mallory", "link_spam", "link_spam", BanSource.AUTO, 0, 86_400_000, 0, "moat"));
            reporter.onKick("mallory", "link_spam");
            CheckRequest r = CheckRequest.builder("message").user("mallory").publicMessage("lobby", "buy pills").build();
            reporter.onReport("filter", r, new Decision(Verdict.ALLOW, null, null, -1, null, List.of(), null, null, null, "pills", null));
            awaitTrue(() -> reporter.delivered() == 3);
            List<String> bodies = hook.seen.stream().map(LocalHttpServer.Seen::body).toList();
            assertThat(bodies.get(0)).contains("\"event\":\"ban\"", "\"subject\":\"user:mallory\"", "\"expires_at\":\"1970-01-02T00:00:00Z\"");
            assertThat(bodies.get(1)).contains("\"event\":\"kick\"", "\"user\":\"mallory\"");
            assertThat(bodies.get(2)).contains("\"event\":\"report\"", "\"filter\":\"pills\"", "\"text\":\"buy pills\"");
        }
    }

    @Test
    void failedDeliveriesAreRetriedWithBackoffUntilTheyLand() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (LocalHttpServer hook = new LocalHttpServer(s -> new LocalHttpServer.Answer(calls.incrementAndGet() <= 2 ? 503 : 200, "", 0));
             WebhookReporter reporter = new WebhookReporter(hook.url("/hook"), 2000, 5, 10)) {
            reporter.onKick("bob", "link_spam");
            awaitTrue(() -> reporter.delivered() == 1);
            assertThat(calls.get()).isEqualTo(3);
            assertThat(reporter.dropped()).isZero();
        }
    }

    @Test
    void anEndpointThatNeverAnswersWellDropsTheEventAfterMaxAttemptsAndNeverThrowsIntoTheCaller() throws Exception {
        try (LocalHttpServer hook = new LocalHttpServer(s -> new LocalHttpServer.Answer(500, "", 0));
             WebhookReporter reporter = new WebhookReporter(hook.url("/hook"), 2000, 2, 10)) {
            reporter.onKick("carol", "banned");
            awaitTrue(() -> reporter.dropped() == 1);
            assertThat(hook.seen).hasSize(2);
        }
    }
}
