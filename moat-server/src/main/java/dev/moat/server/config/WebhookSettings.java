package dev.moat.server.config;

/**
 * The optional {@code webhook} section: where kick, ban and report events are POSTed (BareRTC posts
 * its reports the same way).
 *
 * @param url           null or empty: no webhook
 * @param timeoutMillis per attempt (default 5s)
 * @param maxAttempts   attempts with exponential backoff (default 5), then the event is dropped and counted
 */
public record WebhookSettings(String url, long timeoutMillis, int maxAttempts) {
    public static final WebhookSettings NONE = new WebhookSettings(null, 5000, 5);

    public WebhookSettings {
        if (timeoutMillis < 1) {
            throw new IllegalArgumentException("webhook.timeout must be positive, was " + timeoutMillis + "ms");
        }
        if (maxAttempts < 1 || maxAttempts > 100) {
            throw new IllegalArgumentException("webhook.max_attempts must be 1 to 100, was " + maxAttempts);
        }
    }

    /** True when events are sent somewhere. */
    public boolean enabled() {
        return url != null && !url.isEmpty();
    }

    @Override
    public String toString() {
        return "WebhookSettings[url=" + EffectiveConfig.maskUrl(url) + ", timeoutMillis=" + timeoutMillis + ", maxAttempts="
                + maxAttempts + "]";
    }
}
