package dev.moat.server.cli;

import dev.moat.server.MoatServer;
import dev.moat.server.Signals;
import dev.moat.server.StartupException;
import dev.moat.server.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code moat serve}: runs the HTTP API until SIGTERM/SIGINT (graceful: in-flight requests finish,
 * state is flushed). SIGHUP reloads the config files.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Run the Moat HTTP API (SIGHUP reloads the config; SIGTERM/SIGINT stop gracefully).",
                "With no config file: 127.0.0.1:7878, preset private_small, memory counters, state in ./data."})
final class ServeCommand implements Callable<Integer> {

    @Mixin
    ConfigFiles files;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws InterruptedException {
        MoatServer server;
        try {
            server = MoatServer.start(files.source());
        } catch (ConfigException e) {
            ConfigFiles.printErrors(spec.commandLine().getErr(), files.describe(), e);
            return ExitCode.USAGE;
        } catch (StartupException e) {
            spec.commandLine().getErr().println("moat: cannot start: " + e.getMessage());
            return e.exitCode();
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } finally {
                stopped.countDown();
                stopLogging();
            }
        }, "moat-shutdown"));
        Signals.onHangup(server::reloadInBackground);
        stopped.await();
        return ExitCode.OK;
    }

    /** Flushes the async log appender: the last lines of a shutdown are the ones an operator wants. */
    private static void stopLogging() {
        if (org.slf4j.LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext ctx) {
            ctx.stop();
        }
    }
}
