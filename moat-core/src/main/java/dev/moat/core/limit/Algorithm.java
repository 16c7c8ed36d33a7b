package dev.moat.core.limit;

/** The counting algorithm behind one limit. */
public enum Algorithm {
    /** Generic cell rate algorithm (Conduit, nginx limit_req, Synapse's leaky bucket). */
    GCRA("gcra"),
    /** Events in the last window, counted at bucket precision (Open WebUI). */
    SLIDING_WINDOW("sliding_window"),
    /** A window that starts at the first hit and resets after {@code per} (express-rate-limit). */
    FIXED_WINDOW("fixed_window");

    private final String configName;

    Algorithm(String configName) {
        this.configName = configName;
    }

    public String configName() {
        return configName;
    }

    public static Algorithm fromConfig(String name) {
        for (Algorithm a : values()) {
            if (a.configName.equals(name)) {
                return a;
            }
        }
        throw new IllegalArgumentException(
                "unknown algorithm '" + name + "': expected gcra, sliding_window or fixed_window");
    }
}
