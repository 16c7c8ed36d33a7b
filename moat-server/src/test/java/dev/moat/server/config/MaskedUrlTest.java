package dev.moat.server.config;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Webhook URLs carry their secret in the userinfo, the query or the path; the scheme and host stay readable. */
class MaskedUrlTest {

    @Test
    void aDiscordWebhookKeepsItsHostAndLosesItsIdAndToken() {
        assertThat(MaskedUrl.mask("https://discord.com/api/webhooks/123456789012345678/AbC-dEf_ghIJKlmnopQRstuv0123456789abcdefGHIJ"))
                .isEqualTo("https://discord.com/api/webhooks/****/****");
    }

    @Test
    void aSlackWebhookLosesEveryIdAndItsSecret() {
        assertThat(MaskedUrl.mask("https://hooks.slack.com/services/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"))
                .isEqualTo("https://hooks.slack.com/services/****/****/****");
        assertThat(MaskedUrl.mask("https://hooks.slack.com/services/T0A/B0B/abcdefghijklmnopqrstuvwxyzab"))
                .as("a secret of lowercase letters only, longer than any word kept")
                .isEqualTo("https://hooks.slack.com/services/****/****/****");
    }

    @Test
    void theUserinfoPasswordTheQueryAndTheFragmentAreMasked() {
        assertThat(MaskedUrl.mask("https://hook-user:hook-pass@hooks.example:8443/moat?token=t0k&key=k3y&sig=s1g"))
                .isEqualTo("https://hook-user:****@hooks.example:8443/moat?****");
        assertThat(MaskedUrl.mask("https://only-a-token@hooks.example/moat")).isEqualTo("https://****@hooks.example/moat");
        assertThat(MaskedUrl.mask("https://hooks.example/moat#sig=s1g")).isEqualTo("https://hooks.example/moat#****");
        assertThat(MaskedUrl.mask("https://hooks.example/moat?a=1#frag")).isEqualTo("https://hooks.example/moat?****");
    }

    @Test
    void plainWordsInThePathStayReadable() {
        assertThat(MaskedUrl.mask("https://mod.example/v1/moderations")).isEqualTo("https://mod.example/v1/moderations");
        assertThat(MaskedUrl.mask("http://127.0.0.1:9000/moat-events/")).isEqualTo("http://127.0.0.1:9000/moat-events/");
        assertThat(MaskedUrl.mask("https://hooks.example")).isEqualTo("https://hooks.example");
        assertThat(MaskedUrl.mask(null)).isNull();
    }

    @Test
    void somethingThatIsNotAUrlIsMaskedLikeAPath() {
        assertThat(MaskedUrl.mask("not a url Secret123")).isEqualTo("****");
        assertThat(MaskedUrl.mask("ftp://host/hook?token=x")).isEqualTo("ftp://host/hook?****");
    }
}
