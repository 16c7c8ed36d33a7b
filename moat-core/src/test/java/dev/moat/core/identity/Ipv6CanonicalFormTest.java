package dev.moat.core.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.StringJoiner;
import org.junit.jupiter.api.Test;

/**
 * Random IPv6 addresses (biased towards zero groups), written in their full form and in random
 * other valid spellings, parse to the same value, whose text matches an independent, naive
 * RFC 5952 formatter.
 */
class Ipv6CanonicalFormTest {

    @Test
    void everySpellingParsesToTheReferenceCanonicalForm() {
        Random random = new Random(5952);
        for (int n = 0; n < 20_000; n++) {
            int[] groups = new int[8];
            for (int g = 0; g < 8; g++) {
                int pick = random.nextInt(4);
                groups[g] = pick < 2 ? 0 : pick == 2 ? random.nextInt(16) : random.nextInt(0x10000);
            }
            if (groups[0] == 0 && groups[1] == 0 && groups[2] == 0 && groups[3] == 0 && groups[4] == 0
                    && groups[5] == 0xffff) {
                continue; // mapped: covered elsewhere
            }
            String expected = referenceCanonical(groups);
            String full = fullForm(groups, random);
            IpAddress parsed = IpAddress.parse(full);
            assertThat(parsed).as(full).hasToString(expected);
            assertThat(IpAddress.parse(expected)).isEqualTo(parsed);
            assertThat(IpAddress.parse("[" + full + "]:" + random.nextInt(65536))).isEqualTo(parsed);
            assertThat(IpAddress.parse(compressedAnywhere(groups, random))).isEqualTo(parsed);
            if (random.nextBoolean()) {
                String embedded = embeddedIpv4Form(groups);
                assertThat(IpAddress.parse(embedded)).as(embedded).isEqualTo(parsed);
            }
        }
    }

    /** The textbook algorithm: longest run of 2+ zero groups (first on a tie) becomes "::". */
    private static String referenceCanonical(int[] g) {
        int bestStart = -1;
        int bestLength = 0;
        for (int start = 0; start < 8; start++) {
            int length = 0;
            while (start + length < 8 && g[start + length] == 0) {
                length++;
            }
            if (length >= 2 && length > bestLength) {
                bestStart = start;
                bestLength = length;
            }
        }
        StringJoiner left = new StringJoiner(":");
        StringJoiner right = new StringJoiner(":");
        for (int k = 0; k < 8; k++) {
            if (bestStart < 0 || k < bestStart) {
                left.add(Integer.toHexString(g[k]));
            } else if (k >= bestStart + bestLength) {
                right.add(Integer.toHexString(g[k]));
            }
        }
        return bestStart < 0 ? left.toString() : left + "::" + right;
    }

    /** All eight groups, randomly zero-padded and randomly upper case. */
    private static String fullForm(int[] g, Random random) {
        StringJoiner out = new StringJoiner(":");
        for (int group : g) {
            String hex = Integer.toHexString(group);
            if (random.nextBoolean()) {
                hex = "0".repeat(4 - hex.length()) + hex;
            }
            out.add(random.nextBoolean() ? hex.toUpperCase() : hex);
        }
        return out.toString();
    }

    /** "::" standing for any one run of zero groups (not necessarily the longest). */
    private static String compressedAnywhere(int[] g, Random random) {
        int start = random.nextInt(8);
        int length = 0;
        while (start + length < 8 && g[start + length] == 0) {
            length++;
        }
        if (length == 0) {
            StringJoiner out = new StringJoiner(":");
            for (int group : g) {
                out.add(Integer.toHexString(group));
            }
            return out.toString();
        }
        length = 1 + random.nextInt(length);
        StringJoiner left = new StringJoiner(":");
        StringJoiner right = new StringJoiner(":");
        for (int k = 0; k < start; k++) {
            left.add(Integer.toHexString(g[k]));
        }
        for (int k = start + length; k < 8; k++) {
            right.add(Integer.toHexString(g[k]));
        }
        return left + "::" + right;
    }

    private static String embeddedIpv4Form(int[] g) {
        StringJoiner out = new StringJoiner(":");
        for (int k = 0; k < 6; k++) {
            out.add(Integer.toHexString(g[k]));
        }
        return out + ":" + (g[6] >> 8) + "." + (g[6] & 0xff) + "." + (g[7] >> 8) + "." + (g[7] & 0xff);
    }
}
