package dev.moat.server.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code moat}: the server and its command-line client. */
@Command(name = "moat", mixinStandardHelpOptions = true, versionProvider = MoatCommand.Version.class,
        description = "Abuse protection for chat servers: rate limits, violation scores, bans.",
        subcommands = {ServeCommand.class, CheckCommand.class, BansCommand.class, ViolationsCommand.class,
                ConfigCommand.class, GatewayCommand.class, PresetsCommand.class, WarmupCommand.class,
                CommandLine.HelpCommand.class},
        footerHeading = "%nExit codes:%n",
        footer = {"  0  done (check: allowed)",
                "  1  no: refused, not found, or key denied (serve: could not start)",
                "  2  usage or config error",
                "  3  server unreachable or failing"})
public final class MoatCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    /** Runs the CLI and returns the exit code. */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new MoatCommand());
        cl.setExitCodeExceptionMapper(t -> ExitCode.USAGE);
        cl.setExecutionExceptionHandler((e, line, parsed) -> {
            if (e instanceof Unreachable u) {
                line.getErr().println("moat: " + u.getMessage());
                return ExitCode.UNREACHABLE;
            }
            line.getErr().println("moat: " + e);
            return ExitCode.USAGE;
        });
        cl.setParameterExceptionHandler((e, args) -> {
            CommandLine c = e.getCommandLine();
            c.getErr().println("moat: " + e.getMessage());
            c.usage(c.getErr());
            return ExitCode.USAGE;
        });
        return cl;
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = MoatCommand.class.getPackage().getImplementationVersion();
            return new String[]{"moat " + (v == null ? "(development build)" : v)};
        }
    }
}
