package dev.moat.server.cli;

import picocli.CommandLine;

import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/** A {@code DELETE} with an optional {@code ?reason=} for the subject's log (lift a ban, reset scores), then one line saying it was done. */
final class ReasonedDelete {
    private ReasonedDelete() {
    }

    /**
     * @param jsonAnswer printed with {@code --json}
     * @param textAnswer printed otherwise
     * @return the exit code
     */
    static int run(Remote remote, CommandLine.Model.CommandSpec spec, String path, String reason, String jsonAnswer,
                   String textAnswer) {
        String withReason = path + (reason == null ? "" : "?reason=" + URLEncoder.encode(reason, StandardCharsets.UTF_8));
        Remote.Answer a = remote.call("DELETE", withReason, null);
        if (!a.ok()) {
            return Remote.failure(spec.commandLine().getErr(), a);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.println(remote.json ? jsonAnswer : textAnswer);
        out.flush();
        return ExitCode.OK;
    }
}
