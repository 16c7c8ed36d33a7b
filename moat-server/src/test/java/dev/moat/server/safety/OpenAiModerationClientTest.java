package dev.moat.server.safety;

import dev.moat.core.CheckRequest;
import dev.moat.core.Decision;
import dev.moat.core.Moat;
import dev.moat.core.Reason;
import dev.moat.core.Verdict;
import dev.moat.core.content.ModerationResult;
import dev.moat.core.policy.MoatPolicy;
import dev.moat.core.policy.ModerationPolicy;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Every moderation outcome against a local server that speaks OpenAI's /v1/moderations. */
class OpenAiModerationClientTest {
    private static final String FLAGGED = "{\"id\":\"modr-1\",\"model\":\"omni-moderation-latest\",\"results\":[{\"flagged\":true,"
            + "\"categories\":{\"harassment\":true,\"hate\":false,\"violence\":true},\"category_scores\":{\"harassment\":0.9}}]}";
    private static final String CLEAN = "{\"id\":\"modr-2\",\"results\":[{\"flagged\":false,\"categories\":{\"hate\":false}}]}";

    @Test
    void flaggedAnswerIsFlaggedWithItsCategoriesAndTheKeyGoesInTheHeader() throws Exception {
        try (LocalHttpServer api = new LocalHttpServer(s -> LocalHttpServer.Answer.json(FLAGGED))) {
            ModerationResult r = new OpenAiModerationClient(api.url("/v1/moderations"), "sk-test-123", "omni-moderation-latest", 2000)
                    .moderate(List.of("you are awful"));
            assertThat(r.flagged()).isTrue();
            assertThat(r.categories()).containsExactlyInAnyOrder("harassment", "violence");
            LocalHttpServer.Seen seen = api.seen.get(0);
            assertThat(seen.method()).isEqualTo("POST");
            assertThat(seen.path()).isEqualTo("/v1/moderations");
            assertThat(seen.authorization()).isEqualTo("Bearer sk-test-123");
            assertThat(seen.body()).isEqualTo("{\"model\":\"omni-moderation-latest\",\"input\":\"you are awful\"}");
        }
    }

    @Test
    void severalPartsAreSentAsAList() throws Exception {
        try (LocalHttpServer api = new LocalHttpServer(s -> LocalHttpServer.Answer.json(CLEAN))) {
            ModerationResult r = new OpenAiModerationClient(api.url("/v1/moderations"), "", "m", 2000).moderate(List.of("a", "b"));
            assertThat(r.answered()).isTrue();
            assertThat(r.flagged()).isFalse();
            assertThat(api.seen.get(0).body()).isEqualTo("{\"model\":\"m\",\"input\":[\"a\",\"b\"]}");
            assertThat(api.seen.get(0).authorization()).isNull();
        }
    }

    @Test
    void serverErrorIsUnavailable() throws Exception {
        try (LocalHttpServer api = new LocalHttpServer(s -> new LocalHttpServer.Answer(500, "{\"error\":\"boom\"}", 0))) {
            ModerationResult r = new OpenAiModerationClient(api.url("/v1/moderations"), "k", "m", 2000).moderate(List.of("x"));
            assertThat(r.answered()).isFalse();
            assertThat(r.errorMessage()).contains("500");
        }
    }

    @Test
    void slowAnswerTimesOutAsUnavailable() throws Exception {
        try (LocalHttpServer api = new LocalHttpServer(s -> new LocalHttpServer.Answer(200, CLEAN, 3000))) {
            ModerationResult r = new OpenAiModerationClient(api.url("/v1/moderations"), "k", "m", 200).moderate(List.of("x"));
            assertThat(r.answered()).isFalse();
            assertThat(r.errorMessage()).contains("timed out");
        }
    }

    @Test
    void malformedJsonAndWrongShapesAreUnavailable() throws Exception {
        for (String body : List.of("{not json", "[]", "{\"results\":[]}", "{\"results\":[{\"flagged\":\"yes\"}]}", "")) {
            try (LocalHttpServer api = new LocalHttpServer(s -> LocalHttpServer.Answer.json(body))) {
                ModerationResult r = new OpenAiModerationClient(api.url("/v1/moderations"), "k", "m", 2000).moderate(List.of("x"));
                assertThat(r.answered()).as(body).isFalse();
            }
        }
    }

    @Test
    void unreachableServiceIsUnavailableAndTheKeyIsNeverInTheMessage() {
        ModerationResult r = new OpenAiModerationClient("http://127.0.0.1:1/v1/moderations", "sk-secret-xyz", "m", 500)
                .moderate(List.of("x"));
        assertThat(r.answered()).isFalse();
        assertThat(r.errorMessage()).doesNotContain("sk-secret-xyz");
    }

    @Test
    void throughTheEngineFlaggedDeniesAndAnOutageFailsClosedOrOpenAsConfigured() throws Exception {
        try (LocalHttpServer flagged = new LocalHttpServer(s -> LocalHttpServer.Answer.json(FLAGGED));
             LocalHttpServer broken = new LocalHttpServer(s -> new LocalHttpServer.Answer(503, "", 0))) {
            CheckRequest msg = CheckRequest.builder("message").user("u1").publicMessage("lobby", "some words").build();

            Moat moat = Moat.builder().policy(MoatPolicy.defaults().withModeration(new ModerationPolicy(true, true)))
                    .moderation(new OpenAiModerationClient(flagged.url("/v1/moderations"), "k", "m", 2000)).build();
            Decision d = moat.check(msg);
            assertThat(d.verdict()).isEqualTo(Verdict.DENY);
            assertThat(d.reason()).isEqualTo(Reason.FLAGGED_CONTENT);
            assertThat(d.violation().type()).isEqualTo("flagged_content");

            Moat closed = Moat.builder().policy(MoatPolicy.defaults().withModeration(new ModerationPolicy(true, true)))
                    .moderation(new OpenAiModerationClient(broken.url("/v1/moderations"), "k", "m", 2000)).build();
            assertThat(closed.check(msg).reason()).isEqualTo(Reason.MODERATION_UNAVAILABLE);

            Moat open = Moat.builder().policy(MoatPolicy.defaults().withModeration(new ModerationPolicy(true, false)))
                    .moderation(new OpenAiModerationClient(broken.url("/v1/moderations"), "k", "m", 2000)).build();
            assertThat(open.check(msg).allowed()).isTrue();
        }
    }
}
