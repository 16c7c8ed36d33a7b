package dev.moat.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.moat.server.http.Paths;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** {@code moat bans list|add|remove}: the ban book of a running server (admin key). */
@Command(name = "bans", mixinStandardHelpOptions = true, description = "List, add and lift bans (needs an admin key).",
        subcommands = {BansCommand.List.class, BansCommand.Add.class, BansCommand.Remove.class})
final class BansCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: list, add or remove");
    }

    static void printBan(PrintWriter out, JsonNode b) {
        BanTable.of(java.util.List.of(b)).print(out);
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Bans in force, newest first.")
    static final class List implements java.util.concurrent.Callable<Integer> {
        @Mixin
        Remote remote;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Option(names = "--subject", description = "only subjects containing this text")
        String subject;
        @Option(names = "--source", description = "auto or manual")
        String source;
        @Option(names = "--limit", defaultValue = "100", description = "at most this many (default ${DEFAULT-VALUE})")
        int limit;
        @Option(names = "--cursor", description = "the page after this cursor (printed after a full page)")
        String cursor;

        @Override
        public Integer call() {
            StringBuilder q = new StringBuilder("/v1/bans?limit=").append(limit);
            param(q, "subject", subject);
            param(q, "source", source);
            param(q, "cursor", cursor);
            Remote.Answer a = remote.call("GET", q.toString(), null);
            if (!a.ok()) {
                return Remote.failure(spec.commandLine().getErr(), a);
            }
            PrintWriter out = spec.commandLine().getOut();
            if (remote.json) {
                out.println(Remote.pretty(a.body()));
            } else {
                BanTable.of(a.body().path("bans")).printOr(out, "no bans in force");
                if (a.body().path("next").isTextual()) {
                    out.println("more: --cursor " + a.body().path("next").asText());
                }
            }
            out.flush();
            return ExitCode.OK;
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Ban a subject (user:, ip:, cidr:, server:, appservice:).")
    static final class Add implements java.util.concurrent.Callable<Integer> {
        @Mixin
        Remote remote;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "SUBJECT", description = "e.g. user:mallory, ip:203.0.113.7, cidr:203.0.113.0/24")
        String subject;
        @Option(names = "--duration", description = "e.g. 30m, 2h, 7d (default: bans.duration)")
        String duration;
        @Option(names = "--reason", description = "recorded with the ban")
        String reason;

        @Override
        public Integer call() {
            ObjectNode body = Remote.JSON.createObjectNode().put("subject", subject);
            if (duration != null) {
                body.put("duration", duration);
            }
            if (reason != null) {
                body.put("reason", reason);
            }
            Remote.Answer a = remote.call("POST", "/v1/bans", body);
            if (!a.ok()) {
                return Remote.failure(spec.commandLine().getErr(), a);
            }
            PrintWriter out = spec.commandLine().getOut();
            if (remote.json) {
                out.println(Remote.pretty(a.body()));
            } else {
                printBan(out, a.body());
            }
            out.flush();
            return ExitCode.OK;
        }
    }

    @Command(name = "remove", aliases = "lift", mixinStandardHelpOptions = true, description = "Lift the ban of a subject (exit 1: there was none).")
    static final class Remove implements java.util.concurrent.Callable<Integer> {
        @Mixin
        Remote remote;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "SUBJECT")
        String subject;
        @Option(names = "--reason", description = "recorded in the subject's log")
        String reason;

        @Override
        public Integer call() {
            return ReasonedDelete.run(remote, spec, "/v1/bans/" + Paths.encode(subject), reason, "{\"lifted\":true}",
                    "lifted the ban of " + subject);
        }
    }

    static void param(StringBuilder q, String name, String value) {
        if (value != null) {
            q.append('&').append(name).append('=').append(URLEncoder.encode(value, StandardCharsets.UTF_8));
        }
    }
}
