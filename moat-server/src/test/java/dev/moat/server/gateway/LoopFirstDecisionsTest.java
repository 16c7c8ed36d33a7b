package dev.moat.server.gateway;

import dev.moat.core.Moat;
import dev.moat.core.identity.Cidr;
import dev.moat.core.identity.CidrSet;
import dev.moat.core.identity.ClientAddressResolver;
import dev.moat.core.policy.By;
import dev.moat.core.policy.MoatPolicy;
import dev.moat.server.TempDirs;
import dev.moat.server.http.LoopGuard;
import dev.moat.sqlite.SqliteStateStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The server's arrangement ({@link Gateway.Decisions#LOOP_FIRST}): a real SQLite state store
 * behind the server's {@link LoopGuard}, frames decided on their event loop until a decision
 * reaches durable state, then retried from the start on a worker. The retry must not count twice
 * (the link-spam ladder lives in the durable store), and frames keep their order across the switch.
 */
class LoopFirstDecisionsTest extends GatewayHarness {
    private SqliteStateStore store;

    private void startGuarded(MoatPolicy policy) throws Exception {
        store = SqliteStateStore.open(TempDirs.create());
        moat = Moat.builder().policy(policy).stateStore(new LoopGuard(store)).build();
        ClientAddressResolver resolver = new ClientAddressResolver(CidrSet.of(Cidr.parse("127.0.0.1/32")),
                List.of(ClientAddressResolver.ForwardingHeader.X_FORWARDED_FOR));
        gateway = Gateway.start(vertx, moat, settings(BASE), resolver, Gateway.Decisions.LOOP_FIRST);
    }

    @AfterEach
    void closeStore() {
        stopGateway();
        if (store != null) {
            store.close();
        }
    }

    @Test
    void framesKeepTheirOrderWhenSomeDecisionsMoveToAWorker() throws Exception {
        startGuarded(LinkSpamKickBanTest.linkSpam());
        try (WsClient c = user("lena", "203.0.113.51")) {
            for (int i = 0; i < 40; i++) {
                // every fifth frame is a DM with a link: its decision reads the ladder from SQLite
                c.send(i % 5 == 0 ? "{\"type\":\"dm\",\"to\":\"x" + i + "\",\"text\":\"see https://ok.example/" + i
                        + "\",\"n\":" + i + "}" : "{\"type\":\"echo\",\"n\":" + i + "}");
            }
            List<Integer> got = new ArrayList<>();
            eventually(() -> upstream.framesFrom("lena").stream().filter(f -> f.contains("\"n\":")).count() == 40,
                    "all 40 frames upstream");
            for (String f : upstream.framesFrom("lena")) {
                if (f.contains("\"n\":")) {
                    got.add(Integer.parseInt(f.replaceAll(".*\"n\":(\\d+).*", "$1")));
                }
            }
            assertThat(got).isSorted().hasSize(40);
        }
    }

    @Test
    void theLinkSpamLadderCountsEachDmOnceThenKicksThenBans() throws Exception {
        startGuarded(LinkSpamKickBanTest.linkSpam());
        String link = "https://loop-first-spam.example/";
        try (WsClient r1 = user("m1", "203.0.113.61"); WsClient r2 = user("m2", "203.0.113.62")) {
            WsClient s = user("mona", "203.0.113.60");
            s.send(dm("m1", link));
            r1.nextContaining(link);
            s.send(dm("m2", link));
            r2.nextContaining(link); // a double count would have kicked here
            s.send(dm("m3", link));
            assertThat(s.nextContaining("\"type\":\"error\"")).contains("link_spam");
            assertThat(s.awaitClose().code()).isEqualTo(4008);
            s.close();
            WsClient again = user("mona", "203.0.113.60");
            again.send(dm("m4", link));
            assertThat(again.awaitClose().code()).isEqualTo(4003);
            again.close();
        }
        assertThat(moat.banOf("user:mona")).isNotNull();
    }

    @Test
    void aMessageLimitRefusalRecordsItsViolationOnAWorker() throws Exception {
        startGuarded(policy(limit("ws_message", 2, By.USER)));
        try (WsClient c = user("nils", "203.0.113.70")) {
            c.roundTrip("one");
            c.roundTrip("two");
            c.send("{\"type\":\"echo\",\"marker\":\"three\"}");
            assertThat(c.nextContaining("\"type\":\"error\"")).contains("rate_limited");
        }
        eventually(() -> !moat.history("user:nils", null, 10).log().items().isEmpty(), "the violation is in SQLite");
    }
}
