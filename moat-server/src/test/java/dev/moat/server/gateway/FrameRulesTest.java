package dev.moat.server.gateway;

import com.google.re2j.Pattern;
import dev.moat.core.content.Filter;
import dev.moat.core.content.FilterAction;
import dev.moat.core.content.Place;
import dev.moat.core.content.TextMatcher;
import dev.moat.core.policy.By;
import dev.moat.core.policy.MoatPolicy;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** What happens to client frames: size cap, rates, the event allow-list, content checks, error frames. */
class FrameRulesTest extends GatewayHarness {

    static TextMatcher re2(String regex) {
        Pattern p = Pattern.compile(regex);
        return (text, sink) -> {
            com.google.re2j.Matcher m = p.matcher(text);
            while (m.find()) {
                if (!sink.accept(m.start(), m.end())) {
                    return;
                }
            }
        };
    }

    @Test
    void aFrameOverTheSizeCapClosesWith1009() throws Exception {
        start(BASE + "  max_frame: 1KB\n");
        try (WsClient c = user("alice", "203.0.113.1")) {
            c.roundTrip("small-is-fine");
            c.send("{\"type\":\"echo\",\"pad\":\"" + "x".repeat(2000) + "\"}");
            assertThat(c.awaitClose().code()).isEqualTo(1009);
        }
        assertThat(upstream.receivedContaining("xxxxxxxxxx")).isFalse();
    }

    @Test
    void theConnectionsOwnRateAnswersAnErrorFrameAndForwardsNothing() throws Exception {
        start(BASE.replace("per_connection: {max: 1000, per: 1s}", "per_connection: {max: 3, per: 1h}"));
        try (WsClient c = user("bob", "203.0.113.2")) {
            for (int i = 0; i < 3; i++) {
                c.send("{\"type\":\"echo\",\"n\":" + i + "}");
                c.nextContaining("\"n\":" + i);
            }
            c.send("{\"type\":\"echo\",\"n\":99}");
            String err = c.nextContaining("\"type\":\"error\"");
            assertThat(err).contains("\"reason\":\"rate_limited\"").contains("\"retry_after_ms\":").contains("on one connection");
            c.assertOpen();
        }
        assertThat(upstream.framesFrom("bob")).noneMatch(f -> f.contains("\"n\":99"));
        assertThat(moat.history("user:bob", null, 10).scores()).containsEntry("message_limit", 1.0);
    }

    @Test
    void wsMessageLimitsPerUserCountEveryConnectionOfTheUser() throws Exception {
        start(BASE, policy(limit("ws_message", 3, By.USER)));
        try (WsClient a = user("carol", "203.0.113.3"); WsClient b = user("carol", "203.0.113.4")) {
            a.roundTrip("m1");
            b.roundTrip("m2");
            a.roundTrip("m3");
            b.send("{\"type\":\"echo\",\"marker\":\"m4\"}");
            String err = b.nextContaining("\"type\":\"error\"");
            assertThat(err).contains("rate_limited").contains("Try again in");
            try (WsClient other = user("dave", "203.0.113.3")) {
                other.roundTrip("dave-unaffected");
            }
        }
        assertThat(upstream.receivedContaining("m4")).isFalse();
    }

    @Test
    void wsMessageLimitsPerAddressCountEveryUserBehindIt() throws Exception {
        start(BASE, policy(limit("ws_message", 2, By.IP)));
        try (WsClient a = user("e1", "198.51.100.1"); WsClient b = user("e2", "198.51.100.1")) {
            a.roundTrip("p1");
            b.roundTrip("p2");
            a.send("{\"type\":\"echo\",\"marker\":\"p3\"}");
            assertThat(a.nextContaining("\"type\":\"error\"")).contains("rate_limited");
        }
    }

    @Test
    void eventsOutsideTheAllowListAreRefused() throws Exception {
        start(BASE + "  events: [dm, say, join, echo]\n");
        try (WsClient c = user("frank", "203.0.113.5")) {
            c.send("{\"type\":\"flood\",\"count\":1,\"size\":10}");
            assertThat(c.nextContaining("\"type\":\"error\"")).contains("event_not_allowed").contains("\"event\":\"flood\"");
            c.send("not json at all");
            assertThat(c.nextContaining("\"type\":\"error\"")).contains("event_not_allowed");
            c.roundTrip("echo-allowed");
        }
        assertThat(upstream.framesFrom("frank")).noneMatch(f -> f.contains("flood") || f.contains("not json"));
    }

    @Test
    void theErrorFrameIsConfigurable() throws Exception {
        start(BASE + "  events: [echo]\n  error_frame: '{\"kind\":\"moat\",\"why\":\"{reason}\",\"text\":\"{message}\"}'\n");
        try (WsClient c = user("gina", "203.0.113.6")) {
            c.send("{\"type\":\"say\",\"room\":\"r\",\"text\":\"hi\"}");
            String err = c.nextContaining("\"kind\":\"moat\"");
            assertThat(err).contains("\"why\":\"event_not_allowed\"").contains("\"text\":\"This event is not allowed here.\"");
        }
    }

    @Test
    void aCensorFilterReplacesTheTextThatIsForwarded() throws Exception {
        MoatPolicy p = policy(Map.of()).withFilters(List.of(new Filter("rude", List.of(re2("(?i)darn")),
                Set.of(Place.PUBLIC, Place.DM), FilterAction.CENSOR, null)));
        start(BASE, p);
        try (WsClient a = user("hank", "203.0.113.7"); WsClient b = user("ivy", "203.0.113.8")) {
            a.send("{\"type\":\"join\",\"room\":\"lobby\"}");
            b.send("{\"type\":\"join\",\"room\":\"lobby\"}");
            a.roundTrip("joined");
            b.roundTrip("joined-too");
            a.send("{\"type\":\"say\",\"room\":\"lobby\",\"text\":\"oh DARN it\",\"extra\":1}");
            String got = b.nextContaining("\"type\":\"say\"");
            assertThat(got).doesNotContain("DARN").contains("oh ").contains(" it");
            b.send(dm("hank", "darn you"));
            assertThat(a.nextContaining("\"type\":\"dm\"")).doesNotContain("darn");
        }
        assertThat(upstream.framesFrom("hank")).anyMatch(f -> f.contains("\"extra\":1") && !f.contains("DARN"));
    }

    @Test
    void aBlockFilterRefusesTheFrameWithItsReply() throws Exception {
        MoatPolicy p = policy(Map.of()).withFilters(List.of(new Filter("scam", List.of(re2("(?i)free crypto")),
                Set.of(Place.DM), FilterAction.BLOCK, "No scams, please.")));
        start(BASE, p);
        try (WsClient a = user("jack", "203.0.113.9"); WsClient b = user("kim", "203.0.113.10")) {
            a.send(dm("kim", "get FREE CRYPTO now"));
            String err = a.nextContaining("\"type\":\"error\"");
            assertThat(err).contains("\"reason\":\"filtered\"").contains("No scams, please.");
            a.send(dm("kim", "hello kim"));
            assertThat(b.nextContaining("\"type\":\"dm\"")).contains("hello kim");
        }
        assertThat(upstream.receivedContaining("FREE CRYPTO")).isFalse();
    }

    @Test
    void rateLimitedFramesScoreLikeTheApiAndTheBanClosesWith4003ThenRefusesTheHandshake() throws Exception {
        start(BASE, policy(limit("ws_message", 1, By.USER), 3));
        try (WsClient c = user("leo", "203.0.113.11")) {
            c.roundTrip("allowed-one");
            c.send("{\"type\":\"echo\",\"n\":1}");
            assertThat(c.nextContaining("\"type\":\"error\"")).contains("rate_limited");
            c.send("{\"type\":\"echo\",\"n\":2}");
            assertThat(c.nextContaining("\"type\":\"error\"")).contains("rate_limited");
            c.send("{\"type\":\"echo\",\"n\":3}");
            String ban = c.nextContaining("\"type\":\"error\"");
            assertThat(ban).contains("rate_limited").contains("banned");
            WsClient.Close close = c.awaitClose();
            assertThat(close.code()).isEqualTo(4003);
            assertThat(close.reason()).contains("banned");
        }
        assertThat(moat.history("user:leo", null, 10).scores()).containsEntry("message_limit", 3.0);
        WsClient.Refused r = refused("/ws", as(Tokens.hs256("leo"), "203.0.113.12"));
        assertThat(r.status()).isEqualTo(403);
        assertThat(r.body()).contains("\"reason\":\"banned\"");
    }
}
