package dev.moat.core.ban;

/** Who started a ban: the violation rule, or an operator. */
public enum BanSource {
    AUTO, MANUAL;

    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static BanSource fromWire(String s) {
        return switch (s) {
            case "auto" -> AUTO;
            case "manual" -> MANUAL;
            default -> throw new IllegalArgumentException("source must be auto or manual, was '" + s + "'");
        };
    }
}
