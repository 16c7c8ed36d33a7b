package dev.moat.server.admin;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** text/event-stream framing: one field per line, data split per line, nothing can inject a field or end an event early. */
class AdminSseFramingTest {

    @Test
    void anEventHasIdNameDataAndEndsWithABlankLine() {
        assertThat(Sse.event("7", "refusal", "{\"a\":1}")).isEqualTo("id: 7\nevent: refusal\ndata: {\"a\":1}\n\n");
    }

    @Test
    void idAndNameAreOptional() {
        assertThat(Sse.event(null, null, "x")).isEqualTo("data: x\n\n");
    }

    @Test
    void multiLineDataBecomesOneDataLinePerLineWhateverTheLineEnding() {
        assertThat(Sse.event(null, null, "a\nb\r\nc\rd")).isEqualTo("data: a\ndata: b\ndata: c\ndata: d\n\n");
    }

    @Test
    void dataCannotInjectAFieldOrAnEmptyLine() {
        String framed = Sse.event("1", "refusal", "x\n\nid: 999\nevent: evil");
        assertThat(framed).isEqualTo("id: 1\nevent: refusal\ndata: x\ndata: \ndata: id: 999\ndata: event: evil\n\n");
        // exactly one blank line, at the end: the event cannot be split in two
        assertThat(framed.indexOf("\n\n")).isEqualTo(framed.length() - 2);
    }

    @Test
    void newlinesInIdsNamesAndCommentsAreRemoved() {
        assertThat(Sse.event("1\n2", "a\r\nb", "")).isEqualTo("id: 12\nevent: ab\ndata: \n\n");
        assertThat(Sse.comment("ping\n\ndata: x")).isEqualTo(": pingdata: x\n\n");
    }

    @Test
    void emptyAndNullDataStillMakeAnEvent() {
        assertThat(Sse.event(null, "gap", "")).isEqualTo("event: gap\ndata: \n\n");
        assertThat(Sse.event(null, "gap", null)).isEqualTo("event: gap\ndata: \n\n");
    }

    @Test
    void retryIsAFieldOfItsOwn() {
        assertThat(Sse.retry(3000)).isEqualTo("retry: 3000\n\n");
        assertThat(Sse.retry(-5)).isEqualTo("retry: 0\n\n");
    }
}
