package dev.moat.server;

import dev.moat.server.cli.MoatCommand;

/** {@code java -jar moat.jar <command>}: see {@link MoatCommand}. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        // Vert.x and Netty log through SLF4J (logback, JSON lines on stderr)
        System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
        System.exit(MoatCommand.run(args));
    }
}
