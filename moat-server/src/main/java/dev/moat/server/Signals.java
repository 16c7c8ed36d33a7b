package dev.moat.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGHUP reloads the config, as daemons conventionally do. Uses {@code sun.misc.Signal} (module
 * jdk.unsupported, present in every OpenJDK build); where the signal does not exist (Windows)
 * reload is still available over HTTP. SIGTERM and SIGINT need nothing here: the JVM runs the
 * shutdown hook that {@code moat serve} installs.
 */
public final class Signals {
    private static final Logger LOG = LoggerFactory.getLogger(Signals.class);

    private Signals() {
    }

    @SuppressWarnings("removal")
    public static void onHangup(Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), sig -> {
                LOG.atInfo().addKeyValue("event", "sighup").log("SIGHUP: reloading the config");
                action.run();
            });
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            LOG.info("SIGHUP is not available on this platform; reload with POST /v1/config/reload");
        }
    }
}
