package dev.moat.server.observe;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import ch.qos.logback.core.spi.ContextAwareBase;

/**
 * Moat's logging, set up in code (found by logback through {@code META-INF/services}): one JSON
 * object per line ({@link JsonLayout}) on stderr, so stdout stays free for CLI output. The level
 * is {@code MOAT_LOG_LEVEL} (default INFO); Netty and Vert.x log at WARN. Lines go through a
 * queue ({@link BatchingStderrAppender}: a request thread only queues its line, unless the queue
 * is full, when it writes the backlog itself rather than drop a line) and are written in batches,
 * one write per millisecond at most. Refusals' audit lines skip logback's event and are laid out
 * by the writer ({@link DecisionLine}).
 *
 * <p>Code rather than logback.xml because parsing XML at start costs a few hundred milliseconds.
 * {@code -Dlogback.configurationFile=...} still wins: this configurator then steps aside.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_NORMAL_PRIORITY)
public final class LogConfigurator extends ContextAwareBase implements Configurator {
    static final int QUEUE_SIZE = 8192;

    @Override
    public ExecutionStatus configure(LoggerContext ctx) {
        if (System.getProperty("logback.configurationFile") != null) {
            return ExecutionStatus.INVOKE_NEXT_IF_ANY;
        }
        JsonLayout layout = new JsonLayout();
        layout.setContext(ctx);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(ctx);
        encoder.setLayout(layout);
        encoder.start();
        BatchingStderrAppender writer = new BatchingStderrAppender(QUEUE_SIZE, encoder, () -> System.err);
        writer.setContext(ctx);
        writer.setName("STDERR");
        writer.start();

        Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
        root.detachAndStopAllAppenders();
        root.setLevel(Level.toLevel(System.getenv("MOAT_LOG_LEVEL"), Level.INFO));
        root.addAppender(writer);
        ctx.getLogger("io.netty").setLevel(Level.WARN);
        ctx.getLogger("io.vertx").setLevel(Level.WARN);
        writer.makeDirect();   // refusals' audit lines may skip logback: this writer is where they would go
        return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
    }
}
