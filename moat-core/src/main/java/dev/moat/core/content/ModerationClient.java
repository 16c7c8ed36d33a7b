package dev.moat.core.content;

import java.util.List;

/**
 * The moderation SPI: asks an OpenAI-compatible {@code /v1/moderations} endpoint (or anything
 * else) whether content is acceptable. The core holds no implementation and does no I/O; the
 * server provides the HTTP client (url, key, model and timeout from the {@code moderation}
 * config).
 *
 * <p>Contract: {@link #moderate} never throws for a failure of the remote service (network error,
 * timeout, non-2xx status, malformed answer): it returns {@link ModerationResult#unavailable}, and
 * the engine applies {@code moderation.on_error} (deny with {@code moderation_unavailable}, or
 * allow). It may block for up to the configured timeout, so callers on an event loop must run it
 * off the loop. Implementations are thread-safe.
 */
@FunctionalInterface
public interface ModerationClient {

    /**
     * Moderates a message.
     *
     * @param inputs the message text, or its parts when it has several (sent as a list, as
     *               LibreChat does); never empty
     * @return flagged or not, with the categories that fired; or unavailable
     */
    ModerationResult moderate(List<String> inputs);
}
