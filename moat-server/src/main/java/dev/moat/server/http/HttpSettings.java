package dev.moat.server.http;

import dev.moat.server.config.ServerSettings;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The parts of {@code server} that a reload changes live: the API keys and the body limit. The
 * router reads the current instance on every request; a reload swaps it whole.
 */
public final class HttpSettings {
    private final ApiKeys keys;
    private final long maxBodyBytes;
    private final BodyHandler body;

    private HttpSettings(ApiKeys keys, long maxBodyBytes) {
        this.keys = keys;
        this.maxBodyBytes = maxBodyBytes;
        this.body = BodyHandler.create(false).setBodyLimit(maxBodyBytes).setMergeFormAttributes(false);
    }

    public static HttpSettings of(ServerSettings s) {
        return new HttpSettings(ApiKeys.of(s.apiKeys()), s.maxBodyBytes());
    }

    public ApiKeys keys() {
        return keys;
    }

    public long maxBodyBytes() {
        return maxBodyBytes;
    }

    BodyHandler body() {
        return body;
    }
}
