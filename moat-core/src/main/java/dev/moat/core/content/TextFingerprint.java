package dev.moat.core.content;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.Normalizer;
import java.util.Optional;

/**
 * A fingerprint of a message's text, so that the same long text sent by DM to many people is
 * caught by the link-spam ladder the way a repeated link is.
 *
 * <h2>How it works and why</h2>
 *
 * <p>A copy-paste spammer varies spacing, case, punctuation and invisible characters so that no
 * two copies are byte-equal. The fingerprint keeps only what a reader sees as the words:
 * <ol>
 *   <li>look at the first {@link #MAX_SCAN_CHARS} chars (bounded memory; two texts that agree on
 *       that much are the same spam), drop invisible characters (zero-width space and joiners,
 *       word joiner, BOM, soft hyphen, bidi controls, variation selectors);</li>
 *   <li>NFKC-normalise (full-width and mathematical letters, ligatures become plain letters);</li>
 *   <li>lower-case each code point and keep only letters, digits and combining marks, so all
 *       whitespace, punctuation, symbols and emoji vanish ({@code "Hello,   WORLD!!"} and
 *       {@code "hello world"} agree);</li>
 *   <li>if fewer than {@link #MIN_SIGNIFICANT_CHARS} code points remain, there is no fingerprint:
 *       short texts ("hi", "hello there", "ok see you tomorrow") are legitimately sent to many
 *       people; otherwise SHA-256 over the UTF-8 of the kept code points, the first 128 bits in
 *       hex, prefixed {@code text:}.</li>
 * </ol>
 * Not caught on purpose: texts that differ in a word (the fingerprint is exact), and look-alike
 * letters from other scripts (Cyrillic {@code а} for Latin {@code a}).
 */
public final class TextFingerprint {

    /** A text needs at least this many letters and digits (after normalising) to get a fingerprint. */
    public static final int MIN_SIGNIFICANT_CHARS = 40;

    /** At most this many UTF-16 chars of a message contribute (64 Ki). */
    public static final int MAX_SCAN_CHARS = 1 << 16;

    /** Prefix of every fingerprint; no normalised link can start with it. */
    public static final String PREFIX = "text:";

    private TextFingerprint() {
    }

    /**
     * The fingerprint of {@code text}, e.g. {@code text:3f7a...} (5 + 32 chars), or empty when it
     * has fewer than {@link #MIN_SIGNIFICANT_CHARS} significant characters.
     */
    public static Optional<String> of(CharSequence text) {
        String normal = normalise(text);
        if (normal.codePointCount(0, normal.length()) < MIN_SIGNIFICANT_CHARS) {
            return Optional.empty();
        }
        byte[] digest = sha256().digest(normal.getBytes(StandardCharsets.UTF_8));
        StringBuilder sb = new StringBuilder(PREFIX.length() + 32).append(PREFIX);
        for (int k = 0; k < 16; k++) {
            sb.append(Character.forDigit((digest[k] >> 4) & 0xF, 16)).append(Character.forDigit(digest[k] & 0xF, 16));
        }
        return Optional.of(sb.toString());
    }

    /** The significant characters of {@code text}, as hashed (visible for tests). */
    static String normalise(CharSequence text) {
        if (text == null) {
            return "";
        }
        int n = Math.min(text.length(), MAX_SCAN_CHARS);
        if (n > 0 && n < text.length() && Character.isHighSurrogate(text.charAt(n - 1))) {
            n--;
        }
        StringBuilder visible = new StringBuilder(n);
        for (int i = 0; i < n; ) {
            int cp = Deobfuscator.codePointAt(text, i, n);
            i += Character.charCount(cp);
            if (!Deobfuscator.isInvisible(cp)) {
                visible.appendCodePoint(cp);
            }
        }
        String nfkc = Normalizer.normalize(visible, Normalizer.Form.NFKC);
        StringBuilder kept = new StringBuilder(nfkc.length());
        for (int i = 0; i < nfkc.length(); ) {
            int cp = nfkc.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isLetterOrDigit(cp) || LinkNormaliser.isMark(cp)) {
                kept.appendCodePoint(Character.toLowerCase(cp));
            }
        }
        return kept.toString();
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    }
}
