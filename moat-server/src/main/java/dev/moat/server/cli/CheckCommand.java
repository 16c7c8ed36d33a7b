package dev.moat.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code moat check}: asks a running server for one decision ({@code POST /v1/check}). Exit 0 allowed, 1 refused. */
@Command(name = "check", mixinStandardHelpOptions = true,
        description = "Ask the server whether an end user may do an action now (exit 0: allowed, 1: refused).")
final class CheckCommand implements Callable<Integer> {
    @Mixin
    Remote remote;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--action", required = true, description = "login, registration, message, ...")
    String action;
    @Option(names = "--ip", description = "the end user's address")
    String ip;
    @Option(names = "--user", description = "the authenticated user id")
    String user;
    @Option(names = "--email", description = "the login name before authentication")
    String email;
    @Option(names = "--server", description = "origin server (federation)")
    String server;
    @Option(names = "--appservice", description = "appservice / bot id")
    String appservice;
    @Option(names = "--realm", description = "client (default) or federation")
    String realm;
    @Option(names = "--cost", description = "units to consume (default 1)")
    Long cost;
    @Option(names = "--user-agent", description = "the client's User-Agent")
    String userAgent;
    @Option(names = "--dry-run", description = "evaluate without counting or recording anything")
    boolean dryRun;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ObjectNode body = Remote.JSON.createObjectNode().put("action", action);
        put(body, "ip", ip);
        put(body, "user", user);
        put(body, "email", email);
        put(body, "server", server);
        put(body, "appservice", appservice);
        put(body, "realm", realm);
        put(body, "user_agent", userAgent);
        if (cost != null) {
            body.put("cost", cost);
        }
        if (dryRun) {
            body.put("dry_run", true);
        }
        Remote.Answer a = remote.call("POST", "/v1/check", body);
        if (!a.ok()) {
            return Remote.failure(spec.commandLine().getErr(), a);
        }
        JsonNode d = a.body();
        if (remote.json) {
            out.println(Remote.pretty(d));
        } else {
            StringBuilder line = new StringBuilder(d.path("verdict").asText());
            if (d.has("reason")) {
                line.append(": ").append(d.path("reason").asText());
            }
            if (d.has("message")) {
                line.append(": ").append(d.path("message").asText());
            }
            if (d.has("retry_after_ms")) {
                line.append(" (retry after ").append(d.path("retry_after_ms").asLong()).append(" ms)");
            }
            out.println(line);
            Table t = new Table("LIMIT", "SCOPE", "MAX", "WINDOW_MS", "REMAINING", "RESET_MS");
            for (JsonNode l : d.path("limits")) {
                t.row(l.path("id").asText(), l.path("scope").asText(), l.path("max").asLong(),
                        l.path("window_ms").asLong(), l.path("remaining").asLong(), l.path("reset_ms").asLong());
            }
            if (!t.isEmpty()) {
                t.print(out);
            }
            if (d.has("violation")) {
                JsonNode v = d.path("violation");
                out.println("violation: " + v.path("type").asText() + " +" + v.path("score").asText() + " (total "
                        + v.path("total").asText() + ")");
            }
            if (d.has("ban")) {
                out.println("ban: " + d.path("ban").path("subject").asText() + " until "
                        + d.path("ban").path("expires_at").asText());
            }
        }
        out.flush();
        return d.path("allowed").asBoolean(false) ? ExitCode.OK : ExitCode.NO;
    }

    private static void put(ObjectNode o, String k, String v) {
        if (v != null) {
            o.put(k, v);
        }
    }
}
