package dev.moat.core.content;

import static dev.moat.core.content.ModelCheck.Result.ILLEGAL;
import static dev.moat.core.content.ModelCheck.Result.INVALID;
import static dev.moat.core.content.ModelCheck.Result.OK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The model allow-list: invalid ids, illegal models, endpoints without a list. */
class ModelCheckTest {

    private static final Map<String, Set<String>> LISTS = Map.of(
            "openAI", Set.of("gpt-4o", "gpt-4o-mini"),
            "ollama", Set.of("llama3.1:8b", "hf.co/org/model@q4_K_M"),
            "closed", Set.of());

    @Test
    void aListedModelIsAllowed() {
        assertThat(ModelCheck.check("openAI", "gpt-4o", LISTS)).isEqualTo(OK);
        assertThat(ModelCheck.check("ollama", "llama3.1:8b", LISTS)).isEqualTo(OK);
        assertThat(ModelCheck.check("ollama", "hf.co/org/model@q4_K_M", LISTS)).isEqualTo(OK);
    }

    @Test
    void anUnlistedModelIsIllegalAndRecordsAViolation() {
        ModelCheck.Result r = ModelCheck.check("openAI", "gpt-4-32k", LISTS);
        assertThat(r).isEqualTo(ILLEGAL);
        assertThat(r.reason()).isEqualTo("illegal_model");
        assertThat(r.violationType()).isEqualTo("illegal_model_request");
        assertThat(ModelCheck.check("openAI", "GPT-4O", LISTS)).isEqualTo(ILLEGAL);
        assertThat(ModelCheck.check("closed", "anything", LISTS)).isEqualTo(ILLEGAL);
    }

    @Test
    void anEndpointWithoutAListAllowsAnyValidId() {
        assertThat(ModelCheck.check("anthropic", "claude-3-5-sonnet-20241022", LISTS)).isEqualTo(OK);
        assertThat(ModelCheck.check(null, "whatever-1", LISTS)).isEqualTo(OK);
        assertThat(ModelCheck.check("openAI", "gpt-4o", Map.of())).isEqualTo(OK);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
        "", "-gpt", ".hidden", "_x", "gpt 4", "gpt-4o\n", "gpt-4o;drop", "model<script>", "m\u00f6del",
        "gpt\u200B4", "a*", "a?b", "a\\b", "a#b", "a%20b", "a,b", "a=b", "a'b",
    })
    void malformedIdsAreInvalidWithoutAViolation(String model) {
        ModelCheck.Result r = ModelCheck.check("openAI", model, LISTS);
        assertThat(r).isEqualTo(INVALID);
        assertThat(r.reason()).isEqualTo("invalid_model");
        assertThat(r.violationType()).isNull();
        assertThat(ModelCheck.check("unlisted", model, LISTS)).isEqualTo(INVALID);
    }

    @Test
    void theLengthLimitIs256() {
        String max = "a".repeat(256);
        assertThat(ModelCheck.check("x", max, LISTS)).isEqualTo(OK);
        assertThat(ModelCheck.check("x", max + "a", LISTS)).isEqualTo(INVALID);
        assertThat(ModelCheck.check("x", "a".repeat(1_000_000), LISTS)).isEqualTo(INVALID);
        assertThat(ModelCheck.check("x", null, LISTS)).isEqualTo(INVALID);
    }

    @Test
    void everyAllowedCharacterIsAccepted() {
        assertThat(ModelCheck.isValidId("0aZ_.:/@+-")).isTrue();
        assertThat(OK.reason()).isNull();
        assertThatThrownBy(() -> ModelCheck.check("x", "y", null)).isInstanceOf(NullPointerException.class);
    }
}
