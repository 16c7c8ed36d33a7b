package dev.moat.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import dev.moat.server.http.Paths;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code moat violations show|reset SUBJECT}: a subject's scores and history (admin key). */
@Command(name = "violations", mixinStandardHelpOptions = true,
        description = "Show or reset a subject's violation scores (needs an admin key).",
        subcommands = {ViolationsCommand.Show.class, ViolationsCommand.Reset.class})
final class ViolationsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: show or reset");
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Scores by type and the log, newest first.")
    static final class Show implements Callable<Integer> {
        @Mixin
        Remote remote;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "SUBJECT", description = "e.g. user:alice, ip:203.0.113.7")
        String subject;
        @Option(names = "--limit", defaultValue = "50", description = "log entries to show (default ${DEFAULT-VALUE})")
        int limit;

        @Override
        public Integer call() {
            Remote.Answer a = remote.call("GET", "/v1/violations/" + Paths.encode(subject) + "?limit=" + limit, null);
            if (!a.ok()) {
                return Remote.failure(spec.commandLine().getErr(), a);
            }
            PrintWriter out = spec.commandLine().getOut();
            JsonNode b = a.body();
            if (remote.json) {
                out.println(Remote.pretty(b));
                out.flush();
                return ExitCode.OK;
            }
            out.println(b.path("subject").asText());
            Table scores = new Table("TYPE", "SCORE");
            for (Iterator<Map.Entry<String, JsonNode>> it = b.path("scores").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                scores.row(e.getKey(), e.getValue().asText());
            }
            scores.printOr(out, "no scores");
            Table log = new Table("AT", "KIND", "TYPE", "SCORE", "TOTAL", "BAN", "ACTOR", "DETAIL");
            for (JsonNode e : b.path("log")) {
                log.row(e.path("at").asText(), e.path("kind").asText(), e.path("type").asText(),
                        e.path("score").asText(), e.path("total").asText(), e.path("ban").asBoolean() ? "yes" : "",
                        e.path("actor").asText(), e.path("detail").asText());
            }
            if (!log.isEmpty()) {
                out.println();
                log.print(out);
            }
            out.flush();
            return ExitCode.OK;
        }
    }

    @Command(name = "reset", mixinStandardHelpOptions = true, description = "Set a subject's scores to zero (the log records who).")
    static final class Reset implements Callable<Integer> {
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
            return ReasonedDelete.run(remote, spec, "/v1/violations/" + Paths.encode(subject), reason, "{\"reset\":true}",
                    "reset the scores of " + subject);
        }
    }
}
