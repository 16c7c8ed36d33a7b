package dev.moat.server.config;

import dev.moat.core.policy.MoatPolicy;
import dev.moat.server.gateway.GatewaySettings;

/**
 * A whole, validated config file: what the server needs ({@code server}, {@code store},
 * moderation and webhook HTTP settings) and the engine's {@link MoatPolicy}. Built by
 * {@code ConfigLoader}; immutable. {@code gateway} is null unless the file has a {@code gateway:}
 * section. {@code version} identifies the load for /v1/config/reload.
 */
public record MoatConfig(ServerSettings server, StoreSettings store, MoatPolicy policy, ModerationSettings moderation,
                         WebhookSettings webhook, String version, GatewaySettings gateway) {

    /** A config without a gateway section. */
    public MoatConfig(ServerSettings server, StoreSettings store, MoatPolicy policy, ModerationSettings moderation,
                      WebhookSettings webhook, String version) {
        this(server, store, policy, moderation, webhook, version, null);
    }

    public MoatConfig {
        server = server == null ? ServerSettings.DEFAULTS : server;
        store = store == null ? StoreSettings.DEFAULTS : store;
        policy = policy == null ? MoatPolicy.defaults() : policy;
        moderation = moderation == null ? ModerationSettings.DEFAULTS : moderation;
        webhook = webhook == null ? WebhookSettings.NONE : webhook;
        version = version == null ? "default" : version;
    }

    /** The embedded default: no file at all. */
    public static MoatConfig defaults() {
        return new MoatConfig(null, null, null, null, null, "default");
    }
}
