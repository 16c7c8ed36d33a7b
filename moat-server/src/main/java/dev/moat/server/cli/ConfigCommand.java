package dev.moat.server.cli;

import dev.moat.server.config.ConfigException;
import dev.moat.server.config.ConfigLoader;
import dev.moat.server.config.EffectiveConfig;
import dev.moat.server.config.MoatConfig;
import dev.moat.server.http.Listen;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code moat config check|explain}: validates a config, or explains it (locally, no server needed). */
@Command(name = "config", mixinStandardHelpOptions = true, description = "Validate or explain a config (no server needed).",
        subcommands = {ConfigCommand.Check.class, ConfigCommand.Explain.class})
final class ConfigCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: check or explain");
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Exit 0 when the config is valid; else print every error (with its line) and exit 2.")
    static final class Check implements Callable<Integer> {
        @Mixin
        ConfigFiles files;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            MoatConfig c;
            try {
                c = files.source().load();
            } catch (ConfigException e) {
                ConfigFiles.printErrors(spec.commandLine().getErr(), files.describe(), e);
                return ExitCode.USAGE;
            }
            PrintWriter out = spec.commandLine().getOut();
            out.println("ok: " + files.describe() + " (version " + c.version() + ", listen "
                    + Listen.format(c.server().host(), c.server().port()) + ", preset "
                    + c.policy().rateLimits().preset() + ", " + c.server().apiKeys().size() + " API key(s))");
            out.flush();
            if (c.server().apiKeys().isEmpty() && !c.server().loopback()) {
                spec.commandLine().getErr().println("moat: but `moat serve` will refuse it: server.listen is not a "
                        + "loopback address and server.api_keys is empty");
                return ExitCode.USAGE;
            }
            return ExitCode.OK;
        }
    }

    @Command(name = "explain", mixinStandardHelpOptions = true,
            description = {"Print how each LibreChat variable of --env-file maps onto the config (and which the YAML "
                    + "overrides), then the effective config (presets applied, defaults filled in, secrets masked)."})
    static final class Explain implements Callable<Integer> {
        @Mixin
        ConfigFiles files;
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            MoatConfig c;
            List<String> mapping;
            try {
                c = files.source().load();
                mapping = files.envFile == null ? List.of()
                        : ConfigLoader.explain(files.configFile(), files.envFile, System.getenv());
            } catch (ConfigException e) {
                ConfigFiles.printErrors(spec.commandLine().getErr(), files.describe(), e);
                return ExitCode.USAGE;
            }
            PrintWriter out = spec.commandLine().getOut();
            if (!mapping.isEmpty()) {
                out.println("# LibreChat variables from " + files.envFile + ":");
                mapping.forEach(line -> out.println("#   " + line));
                out.println();
            }
            out.println("# effective config from " + files.describe());
            out.print(EffectiveConfig.yaml(ConfigLoader.effective(c)));
            out.flush();
            return ExitCode.OK;
        }
    }
}
