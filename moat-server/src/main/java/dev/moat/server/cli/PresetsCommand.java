package dev.moat.server.cli;

import dev.moat.core.policy.Presets;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code moat presets list|show NAME}: the built-in rate-limit presets, in moat.yaml's syntax. */
@Command(name = "presets", mixinStandardHelpOptions = true, description = "List the presets, or print one as YAML.",
        subcommands = {PresetsCommand.ListPresets.class, PresetsCommand.Show.class})
final class PresetsCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: list or show");
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "The preset names.")
    static final class ListPresets implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            Presets.NAMES.forEach(out::println);
            out.flush();
            return ExitCode.OK;
        }
    }

    @Command(name = "show", mixinStandardHelpOptions = true, description = "Print a preset as a rate_limits section.")
    static final class Show implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;
        @Parameters(index = "0", paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            if (!Presets.NAMES.contains(name)) {
                spec.commandLine().getErr().println("moat: unknown preset '" + name + "': expected one of " + Presets.NAMES);
                return ExitCode.USAGE;
            }
            PrintWriter out = spec.commandLine().getOut();
            out.print(Presets.toYaml(name));
            out.flush();
            return ExitCode.OK;
        }
    }
}
