package dev.moat.core.policy;

/**
 * The {@code moderation} section, as far as the engine cares: whether to ask, and what to do when
 * the moderation service fails. The HTTP details (url, key, model, timeout) belong to the client.
 *
 * @param enabled        ask the moderation client about message text
 * @param failClosed     {@code on_error: deny} (LibreChat fails closed); false is {@code allow}
 */
public record ModerationPolicy(boolean enabled, boolean failClosed) {
    public static final ModerationPolicy DISABLED = new ModerationPolicy(false, true);
}
