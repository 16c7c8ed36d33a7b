package dev.moat.core.content;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Disguised copies of one link, as spammers paste them into DMs, are found as that link. */
class LinkObfuscationTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "hey come join my room https://camroom.example.com/r/9f3k it's way better than here",
        "hey come join my room camroom.example.com/r/9f3k it's way better than here",
        "hey come join my room camroom[.]example[.]com/r/9f3k",
        "hey come join my room camroom(.)example(.)com/r/9f3k",
        "hey come join my room camroom{.}example{.}com/r/9f3k",
        "hey come join my room camroom(dot)example(dot)com/r/9f3k",
        "hey come join my room camroom[DOT]example[Dot]com/r/9f3k",
        "hey come join my room camroom [dot] example [dot] com/r/9f3k",
        "hey come join my room camroom [ . ] example [ . ] com/r/9f3k",
        "hey come join my room hxxps://camroom.example.com/r/9f3k",
        "hey come join my room hXXps://camroom.example.com/r/9f3k",
        "hey come join my room hxxp://camroom.example.com/r/9f3k",
        "hey come join my room h**ps://camroom.example.com/r/9f3k",
        "hey come join my room h**p://camroom.example.com/r/9f3k",
        "hey come join my room hxxps[:]//camroom[.]example[.]com/r/9f3k",
        "hey come join my room hxxps[://]camroom[.]example[.]com/r/9f3k",
        "hey come join my room camroom\u200B.example\u200C.com/r/9f3k",
        "hey come join my room c\u200Da\u2060m\uFEFFr\u00ADoom.example.com/r/9f3k",
        "hey come join my room camroom\uFF0Eexample\uFF0Ecom/r/9f3k",
        "hey come join my room camroom\u3002example\u3002com/r/9f3k",
        "hey come join my room camroom\uFF61example\uFF61com/r/9f3k",
        "hey come join my room \uFF43\uFF41\uFF4D\uFF52\uFF4F\uFF4F\uFF4D.\uFF45\uFF58\uFF41\uFF4D\uFF50\uFF4C\uFF45.\uFF43\uFF4F\uFF4D/r/9f3k",
        "hey come join my room \uFF48\uFF54\uFF54\uFF50\uFF53\uFF1A\uFF0F\uFF0Fcamroom.example.com\uFF0Fr\uFF0F9f3k",
        "hey come join my room \uD835\uDC1C\uD835\uDC1A\uD835\uDC26\uD835\uDC2B\uD835\uDC28\uD835\uDC28\uD835\uDC26.example.com/r/9f3k",
        "hey come join my room \u24D2\u24D0\u24DC\u24E1\u24DE\u24DE\u24DC.example.com/r/9f3k",
        "hey come join my room https://www.camroom.example.com:443/r/9f3k/?utm_source=dm#top",
        "hey come join my room (https://camroom.example.com/r/9f3k)",
        "hey come join my room <https://camroom.example.com/r/9f3k>",
        "hey come join my room \"camroom.example.com/r/9f3k\".",
        "hey come join my room \u00ABcamroom.example.com/r/9f3k\u00BB!!",
        "hey come join my room\u3000camroom.example.com/r/9f3k\u3001\u8C22\u8C22",
        "hey come join my room\u00A0camroom.example.com/r/9f3k\u00A0\uD83D\uDD25\uD83D\uDD25",
        "hey come join my room \uD83D\uDC49camroom.example.com/r/9f3k\uD83D\uDC48",
        "HEY COME JOIN MY ROOM CAMROOM.EXAMPLE.COM/r/9f3k",
        "hey come join my room https://camroom.example.com/r/%39f3k",
    })
    void disguisedCopiesAreOneLink(String spam) {
        assertThat(LinkExtractor.extract(spam)).containsExactly("camroom.example.com/r/9f3k");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "FREE nitro >>> discord-gift[.]ru/claim <<< hurry",
        "FREE nitro >>> discord-gift(dot)ru/claim <<< hurry",
        "FREE nitro >>> hxxps://discord-gift.ru/claim?ref=dm <<< hurry",
        "FREE nitro >>> discord\u200B-gift\u200B.ru/claim/ <<< hurry",
        "FREE nitro >>> DISCORD-GIFT.RU/claim <<< hurry",
    })
    void giftScamVariantsAreOneLink(String spam) {
        assertThat(LinkExtractor.extract(spam)).containsExactly("discord-gift.ru/claim");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {
        "look at this cat (.)(.) lol", "I said [dot] not dash", "hxxp is how analysts write it",
        "the h**p thing", "example dot com", "(dot)", "[.]",
    })
    void bracketsAndMasksAloneAreNotLinks(String text) {
        assertThat(LinkExtractor.extract(text)).isEmpty();
    }
}
