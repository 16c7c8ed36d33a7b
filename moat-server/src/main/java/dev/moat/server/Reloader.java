package dev.moat.server;

import dev.moat.core.Moat;
import dev.moat.core.identity.Cidr;
import dev.moat.core.identity.CidrSet;
import dev.moat.server.config.ConfigError;
import dev.moat.server.config.ConfigException;
import dev.moat.server.config.MoatConfig;
import dev.moat.server.config.ServerSettings;
import dev.moat.server.http.ConfigControl;
import dev.moat.server.http.HttpSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Hot reload ({@code POST /v1/config/reload}, SIGHUP): re-reads the same files, and only when the
 * whole file is valid swaps the engine's policy ({@link Moat#reload}: counters, scores and bans are
 * kept) and the live HTTP settings (API keys, body limit, trusted proxies). An invalid file changes
 * nothing. The listener, the store, the moderation client's HTTP settings and the webhook are fixed
 * for the life of the process: a change to them is reported as needing a restart, and the running
 * values stay in the effective config.
 */
final class Reloader implements ConfigControl {
    private static final Logger LOG = LoggerFactory.getLogger(Reloader.class);

    private final ConfigSource source;
    private final Moat moat;
    private final AtomicReference<HttpSettings> http;
    private final CidrSet trustedProxies;
    private volatile MoatConfig current;

    Reloader(ConfigSource source, MoatConfig initial, Moat moat, AtomicReference<HttpSettings> http,
             CidrSet trustedProxies) {
        this.source = source;
        this.current = initial;
        this.moat = moat;
        this.http = http;
        this.trustedProxies = trustedProxies;
    }

    @Override
    public MoatConfig current() {
        return current;
    }

    @Override
    public synchronized ReloadResult reload() {
        MoatConfig next;
        try {
            next = source.load();
        } catch (ConfigException e) {
            return refused(e.errors());
        } catch (RuntimeException e) {
            return refused(List.of(new ConfigError("", 0, String.valueOf(e.getMessage()))));
        }
        MoatConfig running = current;
        if (next.server().apiKeys().isEmpty() && !running.server().loopback()) {
            return refused(List.of(new ConfigError("server.api_keys", 0, "must not be empty: the server listens on "
                    + running.server().host() + ", which is not a loopback address")));
        }
        List<Cidr> proxies;
        try {
            proxies = TrustedProxies.parse(next.server().trustedProxies());
        } catch (IllegalArgumentException e) {
            return refused(List.of(new ConfigError("server.trusted_proxies", 0, e.getMessage())));
        }
        try {
            moat.reload(next.policy());
        } catch (IllegalArgumentException e) {
            return refused(List.of(new ConfigError("", 0, String.valueOf(e.getMessage()))));
        }
        List<String> restart = new ArrayList<>();
        ServerSettings s = next.server();
        if (!s.host().equals(running.server().host()) || s.port() != running.server().port()) {
            restart.add("server.listen");
        }
        if (s.benchNoopEndpoint() != running.server().benchNoopEndpoint()) {
            restart.add("server.bench_noop_endpoint");
        }
        if (s.idleTimeoutMillis() != running.server().idleTimeoutMillis()) {
            restart.add("server.idle_timeout");
        }
        if (!next.store().equals(running.store())) {
            restart.add("store");
        }
        if (!next.moderation().equals(running.moderation())) {
            restart.add("moderation.url, api_key, model, timeout");
        }
        if (!next.webhook().equals(running.webhook())) {
            restart.add("webhook");
        }
        if (!java.util.Objects.equals(running.gateway(), next.gateway())) {
            restart.add("gateway");
        }
        ServerSettings effectiveServer = new ServerSettings(running.server().host(), running.server().port(), s.apiKeys(),
                s.trustedProxies(), s.maxBodyBytes(), s.logMessageText(), running.server().benchNoopEndpoint(),
                running.server().idleTimeoutMillis());
        http.set(HttpSettings.of(effectiveServer));
        TrustedProxies.sync(trustedProxies, proxies);
        current = new MoatConfig(effectiveServer, running.store(), next.policy(), running.moderation(), running.webhook(),
                next.version(), running.gateway());
        LOG.atInfo().addKeyValue("event", "reload").addKeyValue("version", next.version())
                .addKeyValue("restart_required", String.join(",", restart))
                .log("config reloaded" + (restart.isEmpty() ? "" : "; needs a restart to apply " + restart));
        return new ReloadResult(true, next.version(), List.of(), restart);
    }

    private static ReloadResult refused(List<ConfigError> errors) {
        LOG.atWarn().addKeyValue("event", "reload_failed").addKeyValue("errors", errors.size())
                .log("config not reloaded (the running config is unchanged): " + errors);
        return new ReloadResult(false, null, errors, List.of());
    }
}
