package dev.moat.server.config;

/**
 * Where kick, ban and report events are POSTed (optional; BareRTC posts its reports the same way).
 *
 * @param url          null or empty: no webhook
 * @param timeoutMillis per attempt
 * @param maxAttempts  retries with exponential backoff, then the event is dropped and counted
 */
public record WebhookSettings(String url, long timeoutMillis, int maxAttempts) {
    public static final WebhookSettings NONE = new WebhookSettings(null, 5000, 5);
}
