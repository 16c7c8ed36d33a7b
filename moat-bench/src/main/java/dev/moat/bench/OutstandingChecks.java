package dev.moat.bench;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/**
 * Drives a side's non-blocking check as a server's event loop would: one thread (the "loop")
 * keeps {@code callers} checks outstanding, and every answer is handed back to that thread, which
 * counts it and makes the next check, as the server continues a request on its event loop once
 * Redis answered. The same concurrency as {@code callers} threads that each wait, without a
 * thread per check.
 *
 * <p>The loop is a Netty event loop on epoll, as the server's Vert.x event loops are: an answer is
 * handed to it as the server hands one back ({@code runOnContext}), and waking it costs a write to
 * its eventfd only when it sleeps, so the answers of one Redis reply wake it once. (A
 * {@code ThreadPoolExecutor} took a lock and woke its thread for each answer: about a sixth of
 * Lettuce's thread's time went to that hand-off, which is the harness, not the path.)
 */
final class OutstandingChecks {
    private final RedisSide side;
    private final int keys;
    private final LongAdder done;
    private final LongAdder refused;
    private final AtomicBoolean stop;
    private final EventLoopGroup loop;
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private CountDownLatch chains;

    OutstandingChecks(RedisSide side, String name, int keys, LongAdder done, LongAdder refused, AtomicBoolean stop) {
        this.side = side;
        this.keys = keys;
        this.done = done;
        this.refused = refused;
        this.stop = stop;
        IoHandlerFactory io = Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        this.loop = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory(name + "-loop", true), io);
    }

    void start(int callers) {
        chains = new CountDownLatch(callers);
        for (int i = 0; i < callers; i++) {
            loop.execute(this::next);
        }
    }

    /** On the loop: the next check of one chain, or the chain's end once told to stop. */
    private void next() {
        if (stop.get() || failure.get() != null) {
            chains.countDown();
            return;
        }
        int key = keys == 1 ? 0 : ThreadLocalRandom.current().nextInt(keys);
        CompletionStage<Boolean> answer = side.checkAsync(key);
        if (answer == null) {
            failure.compareAndSet(null, new IllegalStateException(side.name() + " has no non-blocking check"));
            chains.countDown();
            return;
        }
        answer.whenCompleteAsync((allowed, error) -> {
            if (error != null) {
                failure.compareAndSet(null, error);
            } else {
                if (!allowed) {
                    refused.increment();
                }
                done.increment();
            }
            next();
        }, loop);
    }

    /** Waits for every chain's last answer (the caller has set stop) and stops the loop. */
    void finish() throws InterruptedException {
        if (!chains.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(side.name() + ": outstanding checks did not end within 30 s");
        }
        loop.shutdownGracefully(0, 5, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
        Throwable t = failure.get();
        if (t != null) {
            throw new IllegalStateException(side.name() + " failed a check: " + t, t);
        }
    }
}
