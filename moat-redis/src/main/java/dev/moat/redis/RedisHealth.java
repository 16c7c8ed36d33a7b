package dev.moat.redis;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/*
 * How it works and why.
 *
 * One flag decides, for every store of the process, whether a request may try Redis at all. The
 * first failure (an error, or no answer within the timeout) turns it off, so later requests go
 * straight to the fallback and no request waits for a dead Redis longer than one timeout. A
 * single background prober then PINGs every probe interval; when Redis answers, it turns the flag
 * on and runs the "after up" steps (ban resynchronisation). Nothing needs a restart. While Redis
 * is up the prober runs the "while up" steps at every interval: the replay of writes acknowledged
 * during an outage (or found in the replay file at start).
 */

/** Whether Redis is usable, and the prober that brings it back. */
public final class RedisHealth implements AutoCloseable {
    private final RedisConnection redis;
    private final FailureMode mode;
    private final long probeMillis;
    private final ScheduledExecutorService prober;
    private final List<BooleanSupplier> whileUp = new CopyOnWriteArrayList<>();
    private final List<Runnable> afterUp = new CopyOnWriteArrayList<>();
    private volatile boolean up;
    private volatile long downSinceMillis;
    private volatile String lastError = "";
    private volatile long outages;
    private final Object flagLock = new Object();
    private final Object probeLock = new Object();

    public RedisHealth(RedisConnection redis, FailureMode mode, long probeMillis) {
        if (probeMillis < 1) {
            throw new IllegalArgumentException("probe interval must be at least 1ms, was " + probeMillis);
        }
        this.redis = redis;
        this.mode = mode;
        this.probeMillis = probeMillis;
        this.up = redis.isOpen();
        if (!up) {
            downSinceMillis = System.currentTimeMillis();
            lastError = "not connected at start";
            outages = 1;
        }
        this.prober = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "moat-redis-probe");
            t.setDaemon(true);
            return t;
        });
        prober.scheduleWithFixedDelay(this::probe, probeMillis, probeMillis, TimeUnit.MILLISECONDS);
    }

    public FailureMode mode() {
        return mode;
    }

    public long probeMillis() {
        return probeMillis;
    }

    /** True while requests may use Redis. */
    public boolean isUp() {
        return up;
    }

    /** Called by a store when Redis failed a request: later requests use the fallback. */
    public void markDown(Throwable cause) {
        if (up) {
            synchronized (flagLock) {
                if (up) {
                    up = false;
                    downSinceMillis = System.currentTimeMillis();
                    outages++;
                }
            }
        }
        lastError = cause == null ? "" : String.valueOf(cause.getMessage());
    }

    /** A step the prober runs at every interval while Redis is up (the replay of outage writes). */
    public void whileUp(BooleanSupplier step) {
        whileUp.add(step);
    }

    /** A step to run right after Redis is back in use. */
    public void afterUp(Runnable step) {
        afterUp.add(step);
    }

    /** Probes now (the prober does this every interval). */
    public void probe() {
        synchronized (probeLock) {
            probeOnce();
        }
    }

    private void probeOnce() {
        try {
            if (!up) {
                if (!redis.ping()) {
                    return;
                }
                up = true;
                for (Runnable r : afterUp) {
                    try {
                        r.run();
                    } catch (RuntimeException ignored) {
                        // one failed step must not keep Redis out of use
                    }
                }
            }
            for (BooleanSupplier s : whileUp) {
                s.getAsBoolean();
            }
        } catch (RuntimeException e) {
            markDown(e);
        }
    }

    /** How many times Redis went down since start. */
    public long outages() {
        return outages;
    }

    /** One line for /healthz. */
    public String describe() {
        if (up) {
            return "redis up (" + redis + ")";
        }
        String fallback = switch (mode) {
            case LOCAL -> "limits count in this node's memory";
            case ALLOW -> "every limit admits";
            case DENY -> "every limit refuses";
        };
        return "redis down since " + Instant.ofEpochMilli(downSinceMillis) + " (" + lastError + "); on_failure "
                + mode.wire() + ": " + fallback;
    }

    @Override
    public void close() {
        prober.shutdownNow();
    }
}
