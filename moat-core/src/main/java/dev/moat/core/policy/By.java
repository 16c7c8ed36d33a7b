package dev.moat.core.policy;

import java.util.Locale;

/**
 * What a per-target limit is keyed by. {@code TARGET} is Conduit's rule: the user, else the
 * appservice, else the server, else the IP.
 */
public enum By {
    TARGET, IP, USER, EMAIL, SERVER, APPSERVICE;

    // every decision asks each limit's scope for its wire name: lower-case it once, not per call
    private final String wire = name().toLowerCase(Locale.ROOT);

    public String wire() {
        return wire;
    }

    public static By fromWire(String s) {
        for (By b : values()) {
            if (b.wire().equals(s)) {
                return b;
            }
        }
        throw new IllegalArgumentException(
                "by must be one of target, ip, user, email, server, appservice; was '" + s + "'");
    }
}
