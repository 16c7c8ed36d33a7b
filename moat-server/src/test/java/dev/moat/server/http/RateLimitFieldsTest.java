package dev.moat.server.http;

import dev.moat.core.Decision;
import dev.moat.core.LimitStatus;
import dev.moat.core.Verdict;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The RateLimit fields, including after a reload changed a limit whose text was kept. */
class RateLimitFieldsTest {

    static LimitStatus limit(String id, long max, long windowMillis, long remaining, long resetMillis) {
        return new LimitStatus(id, "ip", "ip:192.0.2.1", max, windowMillis, remaining, resetMillis, true, -1);
    }

    static Decision allow(LimitStatus... limits) {
        return new Decision(Verdict.ALLOW, null, null, -1, null, List.of(limits), null, null, null, null, null);
    }

    @Test
    void oneLimitAndSeveral() {
        LimitStatus login = limit("rlf.client.target.login", 7, 300_000, 6, 42_001);
        LimitStatus message = limit("rlf.client.target.message[1]", 40, 500, 39, 10);
        assertThat(RateLimitFields.policy(allow(login), false)).isEqualTo("\"rlf.client.target.login\";q=7;w=300");
        assertThat(RateLimitFields.policy(allow(login, message), false))
                .isEqualTo("\"rlf.client.target.login\";q=7;w=300, \"rlf.client.target.message[1]\";q=40;w=1");
        assertThat(RateLimitFields.service(allow(login, message)))
                .isEqualTo("\"rlf.client.target.login\";r=6;t=43, \"rlf.client.target.message[1]\";r=39;t=1");
        assertThat(RateLimitFields.policy(allow(login), true))
                .isEqualTo("\"rlf.client.target.login\";q=7;w=300;qu=\"content-bytes\"");
    }

    @Test
    void aLimitChangedByAReloadIsRenderedWithItsNewValues() {
        String id = "rlf.client.target.upload";
        assertThat(RateLimitFields.policy(allow(limit(id, 5, 60_000, 4, 1)), false)).isEqualTo("\"" + id + "\";q=5;w=60");
        assertThat(RateLimitFields.policy(allow(limit(id, 5, 60_000, 3, 1)), false)).isEqualTo("\"" + id + "\";q=5;w=60");
        assertThat(RateLimitFields.policy(allow(limit(id, 9, 60_000, 8, 1)), false)).isEqualTo("\"" + id + "\";q=9;w=60");
        assertThat(RateLimitFields.policy(allow(limit(id, 9, 3_600_000, 8, 1)), false))
                .isEqualTo("\"" + id + "\";q=9;w=3600");
    }

    @Test
    void idsAreSfStrings() {
        LimitStatus odd = limit("rlf.a\"b\\c\u00e9", 1, 1_000, 0, 0);
        assertThat(RateLimitFields.policy(allow(odd), false)).isEqualTo("\"rlf.a\\\"b\\\\c?\";q=1;w=1");
        assertThat(RateLimitFields.service(allow(odd))).isEqualTo("\"rlf.a\\\"b\\\\c?\";r=0;t=0");
    }
}
