package dev.moat.server.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.server.config.ConfigError;
import dev.moat.server.config.ConfigLoader;
import io.vertx.ext.web.RoutingContext;

import java.util.ArrayList;
import java.util.List;

/** {@code POST /v1/config/reload} and {@code GET /v1/config} (admin). */
final class ConfigHandler {
    private final ConfigControl config;
    private final Offload offload;

    ConfigHandler(ConfigControl config, Offload offload) {
        this.config = config;
        this.offload = offload;
    }

    void reload(RoutingContext ctx) {
        offload.blocking(config::reload).onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause());
                return;
            }
            ConfigControl.ReloadResult r = ar.result();
            if (!r.ok()) {
                List<ApiException.FieldError> errors = new ArrayList<>();
                for (ConfigError e : r.errors()) {
                    errors.add(new ApiException.FieldError(e.key(),
                            (e.line() > 0 ? "line " + e.line() + ": " : "") + e.message()));
                }
                ApiException p = new ApiException(400, "invalid-config",
                        "the config was not reloaded (the running config is unchanged): " + errors.size()
                                + " error(s)", errors);
                Problems.send(ctx, p);
                return;
            }
            ObjectNode o = Json.object();
            o.put("reloaded", true);
            o.put("version", r.version());
            ArrayNode restart = o.putArray("restart_required");
            r.restartRequired().forEach(restart::add);
            if (!r.restartRequired().isEmpty()) {
                o.put("message", "changes to " + String.join(", ", r.restartRequired())
                        + " take effect only after a restart; everything else is live");
            }
            Respond.json(ctx, 200, o);
        });
    }

    void show(RoutingContext ctx) {
        Respond.json(ctx, 200, Json.MAPPER.valueToTree(ConfigLoader.effective(config.current())));
    }
}
