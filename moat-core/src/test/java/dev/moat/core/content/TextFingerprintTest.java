package dev.moat.core.content;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The same long text, however re-spaced, re-cased or padded with invisible characters, has one fingerprint. */
class TextFingerprintTest {

    private static final String SPAM =
            "Hi! I'm Jessica, I saw your profile and I think you're cute. Add me on the other app, my name there is jess_1999";

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
        SPAM,
        "hi! i'm jessica, i saw your profile and i think you're cute. add me on the other app, my name there is jess_1999",
        "HI! I'M JESSICA, I SAW YOUR PROFILE AND I THINK YOU'RE CUTE. ADD ME ON THE OTHER APP, MY NAME THERE IS JESS_1999",
        "Hi!   I'm Jessica,\n\nI saw your profile and I think you're cute.\tAdd me on the other app, my name there is jess_1999 ",
        "Hi I'm Jessica I saw your profile and I think you're cute Add me on the other app my name there is jess1999",
        "H\u200Bi! I'm Jes\u200Dsica, I saw your pro\u00ADfile and I think you're cute. Add me on the other app,"
                + " my name there is jess_1999\uFEFF",
        "\uFF28\uFF49! I'm Jessica, I saw your profile and I think you're cute. Add me on the other app, my name there is jess_1999",
        "Hi! I'm Jessica \uD83D\uDE18\uD83D\uDE18 I saw your profile and I think you're cute... Add me on the other app!!! my name there is jess_1999 :)",
        "Hi!\u00A0I'm\u2003Jessica, I saw your profile and I think you're cute. Add me on the other app, my name there is jess_1999",
    })
    void variantsShareTheFingerprint(String variant) {
        assertThat(TextFingerprint.of(variant)).isEqualTo(TextFingerprint.of(SPAM)).isPresent();
    }

    @Test
    void aDifferentTextHasADifferentFingerprint() {
        assertThat(TextFingerprint.of(SPAM.replace("Jessica", "Melissa"))).isNotEqualTo(TextFingerprint.of(SPAM));
    }

    @Test
    void theFingerprintIsCompact() {
        assertThat(TextFingerprint.of(SPAM).orElseThrow()).matches("text:[0-9a-f]{32}");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @ValueSource(strings = {
        "", "hi", "hello there", "ok see you tomorrow at the usual place!", "lol \uD83D\uDE02\uD83D\uDE02\uD83D\uDE02",
        "!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!",
        "\u200B\u200B\u200B\u200B\u200B\u200B\u200B\u200B\u200B\u200B\u200B\u200B\u200B\u200B\u200B\u200B",
    })
    void shortTextsHaveNoFingerprint(String text) {
        assertThat(TextFingerprint.of(text)).isEmpty();
    }

    @Test
    void theThresholdIsFortySignificantCharacters() {
        String thirtyNine = "abcdefghij".repeat(3) + "abcdefghi";
        assertThat(TextFingerprint.of(thirtyNine)).isEmpty();
        assertThat(TextFingerprint.of(thirtyNine + "j")).isPresent();
        assertThat(TextFingerprint.of(String.join(" ", thirtyNine.split("")) + " , . !")).isEmpty();
    }

    @Test
    void nonLatinTextIsFingerprintedToo() {
        String hindi = "\u0928\u092E\u0938\u094D\u0924\u0947 \u0906\u092A \u0915\u0948\u0938\u0947 \u0939\u0948\u0902 ".repeat(4);
        Optional<String> print = TextFingerprint.of(hindi);
        assertThat(print).isPresent();
        assertThat(TextFingerprint.of(hindi.replace(" ", "  \u200B"))).isEqualTo(print);
    }

    @Test
    void messageKeysAreLinksFirstThenTheFingerprint() {
        assertThat(LinkSpamLadder.keys("join example.com/r/1 " + SPAM)).containsExactly("example.com/r/1");
        assertThat(LinkSpamLadder.keys(SPAM)).containsExactly(TextFingerprint.of(SPAM).orElseThrow());
        assertThat(LinkSpamLadder.keys("hello there")).isEmpty();
    }
}
