package dev.moat.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;

/** {@code moat gateway disconnect}: the gateway of a running server (admin key). */
@Command(name = "gateway", mixinStandardHelpOptions = true,
        description = "Act on the WebSocket gateway's connections (needs an admin key).",
        subcommands = {GatewayCommand.Disconnect.class})
final class GatewayCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: disconnect");
    }

    @Command(name = "disconnect", mixinStandardHelpOptions = true,
            description = {"Disconnect a user now: close their WebSocket connections on every node (close code 4000).",
                    "Exit 3 when this node closed them but could not tell the other nodes of the fleet."})
    static final class Disconnect implements java.util.concurrent.Callable<Integer> {
        @Mixin
        Remote remote;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Option(names = "--user", required = true, description = "the user id (the JWT's user claim), e.g. alice")
        String user;
        @Option(names = "--reason", description = "shown to the client in the error frame before the close")
        String reason;

        @Override
        public Integer call() {
            ObjectNode body = Remote.JSON.createObjectNode().put("user", user);
            if (reason != null) {
                body.put("reason", reason);
            }
            Remote.Answer a = remote.call("POST", "/v1/gateway/disconnect", body);
            if (!a.ok()) {
                return Remote.failure(spec.commandLine().getErr(), a);
            }
            JsonNode b = a.body();
            PrintWriter out = spec.commandLine().getOut();
            if (remote.json) {
                out.println(Remote.pretty(b));
            } else {
                out.println(summary(b));
            }
            out.flush();
            if (b.hasNonNull("broadcast_error")) {
                PrintWriter err = spec.commandLine().getErr();
                err.println("moat: the other nodes were not told: " + b.path("broadcast_error").asText());
                err.flush();
                return ExitCode.UNREACHABLE;
            }
            return ExitCode.OK;
        }

        private static String summary(JsonNode b) {
            String here = b.path("gateway").asBoolean()
                    ? "closed " + b.path("closed").asInt() + " connection(s) of " + b.path("user").asText() + " on this node"
                    : "this node runs no gateway";
            return here + (b.path("broadcast").asBoolean() ? "; sent to every other node" : "; no other node told");
        }
    }
}
