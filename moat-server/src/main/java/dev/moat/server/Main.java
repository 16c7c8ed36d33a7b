package dev.moat.server;

import dev.moat.server.cli.MoatCommand;

/** {@code java -jar moat.jar <command>}: see {@link MoatCommand}. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        // Vert.x and Netty log through SLF4J (logback, JSON lines on stderr)
        System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
        // Netty's JFR allocation events cost a JFR start-up (about half a second on 2 cores) for nothing here
        if (System.getProperty("io.netty.jfr.enabled") == null) {
            System.setProperty("io.netty.jfr.enabled", "false");
        }
        System.exit(MoatCommand.run(args));
    }
}
