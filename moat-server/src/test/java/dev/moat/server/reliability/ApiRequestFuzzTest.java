package dev.moat.server.reliability;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import dev.moat.core.CheckRequest;
import dev.moat.core.Decision;
import dev.moat.core.InvalidRequestException;
import dev.moat.core.ManualClock;
import dev.moat.core.Moat;
import dev.moat.server.config.ConfigLoader;
import dev.moat.server.config.MoatConfig;
import dev.moat.server.http.ApiException;
import dev.moat.server.http.Json;
import dev.moat.server.http.JsonBody;
import dev.moat.server.http.Wire;
import io.vertx.core.buffer.Buffer;

import java.lang.reflect.Method;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fuzz target for the body of {@code POST /v1/check}: the bytes go through exactly what the
 * handler runs (the fast read {@code CheckBody.fast}, which must give the general read's request or
 * nothing; the general read {@code JsonBody.parse}, then {@code Bodies.checkRequest}), and a request that
 * parses goes on through the engine and is rendered as the API renders it. The only outcomes
 * allowed are a decision or a 400 that names the field (an {@link ApiException} from parsing, an
 * {@link InvalidRequestException} from the engine); anything else would be a 500 for bad input.
 *
 * <p>The engine runs a policy with every kind of check on (limits that ban quickly, filters,
 * link spam, non-browser and model checks, anonymous scoring), on memory stores and a manual
 * clock, and is replaced every {@value #FRESH_EVERY} inputs so a long run stays bounded.
 *
 * <p>Seeds: {@code src/test/resources/dev/moat/server/reliability/ApiRequestFuzzTestInputs/checkBody/}.
 * Fuzz for real: {@code JAZZER_FUZZ=1 mvn -pl moat-server test -Dtest=ApiRequestFuzzTest -Djazzer.max_duration=5m}.
 */
class ApiRequestFuzzTest {
    private static final Method CHECK_REQUEST = Internals.method("dev.moat.server.http.Bodies", "checkRequest",
            JsonBody.class);
    private static final Method FAST_READ = Internals.method("dev.moat.server.http.CheckBody", "fast", byte[].class);
    private static final int FRESH_EVERY = 20_000;

    static final String POLICY_YAML = """
            rate_limits:
              preset: private_small
              client:
                target:
                  login: {max: 3, per: 5m, by: ip, algorithm: fixed_window}
                  message:
                    - {max: 5, per: 1m, by: user}
                    - {max: 8, per: 1m, by: ip, algorithm: sliding_window}
                  registration: {max: 2, per: 1h, by: email}
                  media_upload: {max: 10000000, per: 1h, by: user}
                global:
                  invite: {max: 10, per: 1d}
            violations:
              anonymous: ip
            bans:
              interval: 4
              duration: 1h
              escalation: {factor: 2, max: 1d}
            link_spam:
              max_recipients: 2
              window: 1h
            filters:
              - {name: invites, patterns: ['(?i)discord\\.gg/\\w+'], where: [public, dm], action: block, reply: "no invites"}
              - {name: slurs, patterns: ['(?i)\\bbadword\\b', 'x+y+z'], action: censor}
              - {name: watch, patterns: ['(?i)free money'], action: report}
            request_checks:
              non_browser: {actions: [registration]}
              models:
                openAI: [gpt-4o, gpt-4o-mini]
            """;

    private static Moat moat;
    private static int inputs;

    static Moat engine() {
        if (moat == null || ++inputs % FRESH_EVERY == 0) {
            try {
                MoatConfig c = ConfigLoader.parse(POLICY_YAML, "fuzz.yaml", Map.of());
                moat = Moat.builder().policy(c.policy()).clock(new ManualClock()).build();
            } catch (Exception e) {
                throw new IllegalStateException("the fuzz target's own policy must load", e);
            }
        }
        return moat;
    }

    @FuzzTest(maxDuration = "2m")
    void checkBody(byte[] data) {
        // the handler tries the fast read first (CheckBody.fast): whatever it accepts, the general read must give too
        CheckRequest fast = (CheckRequest) Internals.call(FAST_READ, null, (Object) data.clone());
        CheckRequest request;
        try {
            JsonBody body = JsonBody.parse(Buffer.buffer(data));
            request = (CheckRequest) Internals.call(CHECK_REQUEST, null, body);
        } catch (ApiException e) {
            assertThat(fast).as("the fast read accepted a body the general read refuses").isNull();
            assertFieldError(e);
            return;
        }
        if (fast != null) {
            assertThat(fast).isEqualTo(request);
        }
        assertThat(request).isNotNull();
        assertThat(request.action()).isNotEmpty();
        assertThat(request.cost()).isNotNegative();
        Decision d;
        try {
            d = engine().check(request);
        } catch (InvalidRequestException e) {
            assertThat(e.field()).isNotEmpty();
            assertThat(e.reason()).isNotEmpty();
            return;
        }
        assertThat(d).isNotNull();
        assertThat(d.allowed()).isEqualTo(d.reason() == null);
        JsonNode rendered = Wire.decision(d);
        assertThat(Json.buffer(rendered).length()).isPositive();
        assertThat(rendered.get("verdict").asText()).isIn("allow", "deny", "kick", "ban");
    }

    static void assertFieldError(ApiException e) {
        assertThat(e.status()).as(e.getMessage()).isEqualTo(400);
        assertThat(e.errors()).as("a 400 names the field: %s", e.getMessage()).isNotEmpty();
        for (ApiException.FieldError f : e.errors()) {
            assertThat(f.field()).isNotEmpty();
            assertThat(f.message()).isNotNull();
        }
        assertThat(e.getMessage()).hasSizeLessThan(64 * 1024);
    }
}
