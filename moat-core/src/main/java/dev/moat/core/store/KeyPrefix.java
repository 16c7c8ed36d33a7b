package dev.moat.core.store;

/**
 * The constant start of many counter keys (a limit's {@code "<limit id>|"}), hashed once: a
 * {@link LimitCall} made from it and a subject hashes only the subject, and builds the key's
 * text only if a store asks for it (the memory store never does). Made when a policy is compiled.
 */
public final class KeyPrefix {
    private final String text;
    private final KeyHash.Sip state;

    private KeyPrefix(String text) {
        this.text = text;
        this.state = KeyHash.prefixState(text);
    }

    public static KeyPrefix of(String text) {
        if (text == null) {
            throw new IllegalArgumentException("text is required");
        }
        return new KeyPrefix(text);
    }

    public String text() {
        return text;
    }

    /** The hash of {@code text() + rest}, without building that text. */
    KeyHash hash(String rest) {
        KeyHash.Sip s = new KeyHash.Sip(state);
        s.absorb(rest);
        return s.finish();
    }

    @Override
    public String toString() {
        return "KeyPrefix[" + text + "]";
    }
}
