package dev.moat.core.policy;

import java.util.Locale;

/** Which section of the limits applies: end users of this server, or other servers (federation). */
public enum Realm {
    CLIENT, FEDERATION;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Realm fromWire(String s) {
        return switch (s) {
            case "client" -> CLIENT;
            case "federation" -> FEDERATION;
            default -> throw new IllegalArgumentException("realm must be client or federation, was '" + s + "'");
        };
    }
}
