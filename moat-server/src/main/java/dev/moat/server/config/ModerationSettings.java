package dev.moat.server.config;

/**
 * The HTTP side of the {@code moderation} section (the engine's side is
 * {@link dev.moat.core.policy.ModerationPolicy}).
 */
public record ModerationSettings(String url, String apiKey, String model, long timeoutMillis) {
    public static final ModerationSettings DEFAULTS =
            new ModerationSettings("https://api.openai.com/v1/moderations", "", "omni-moderation-latest", 3000);

    public ModerationSettings {
        if (timeoutMillis < 1) {
            throw new IllegalArgumentException("moderation.timeout must be positive");
        }
    }

    @Override
    public String toString() {
        return "ModerationSettings[url=" + EffectiveConfig.maskUrl(url) + ", apiKey=" + (apiKey == null || apiKey.isEmpty() ? "" : "****")
                + ", model=" + model + ", timeoutMillis=" + timeoutMillis + "]";
    }
}
