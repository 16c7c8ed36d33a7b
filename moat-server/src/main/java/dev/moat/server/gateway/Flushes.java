package dev.moat.server.gateway;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.flush.FlushConsolidationHandler;

/**
 * One flush per event-loop turn on a relayed socket instead of one per frame.
 *
 * <p>Why. Vert.x flushes a write at once unless it happens while the same connection is reading
 * (then it flushes once when the read batch ends). A relay always writes to the <em>other</em>
 * connection: every client frame was a {@code writev} to the upstream and every upstream frame
 * one to the client, a system call per frame on each hop where a plain echo server makes one per
 * read batch. A Netty {@link FlushConsolidationHandler} at the head of each relayed socket's
 * pipeline turns the flushes of frames written while no read is in progress on that channel into
 * one flush run as a task after the event loop's current batch of reads (and at once every
 * {@value #EXPLICIT_AFTER} flushes, before a close, and when the channel turns unwritable). Order
 * is unchanged (writes still enter the channel's outbound buffer in order) and so is backpressure:
 * unflushed bytes count toward the channel's writability, which is what Vert.x's
 * {@code writeQueueFull} reads.
 */
final class Flushes {
    static final String NAME = "moat-flush-consolidation";
    private static final int EXPLICIT_AFTER = 256;

    private Flushes() {
    }

    /** Installs the handler on the channel of {@code ctx} (a relayed socket's). */
    static void consolidate(ChannelHandlerContext ctx) {
        if (ctx == null) {
            return;
        }
        ChannelPipeline p = ctx.pipeline();
        if (p.get(NAME) == null && ctx.channel().isActive()) {
            p.addFirst(NAME, new FlushConsolidationHandler(EXPLICIT_AFTER, true));
        }
    }
}
