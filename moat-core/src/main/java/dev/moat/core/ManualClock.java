package dev.moat.core;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that only moves when told to: the fake clock of every test. Thread-safe. */
public final class ManualClock implements Clock {
    private final AtomicLong nowMillis;

    public ManualClock(long startMillis) {
        this.nowMillis = new AtomicLong(startMillis);
    }

    /** Starts at 2026-01-01T00:00:00Z, a round instant far from the epoch. */
    public ManualClock() {
        this(Instant.parse("2026-01-01T00:00:00Z").toEpochMilli());
    }

    @Override
    public long nowMillis() {
        return nowMillis.get();
    }

    public void advance(Duration by) {
        advanceMillis(by.toMillis());
    }

    /** Moves time by {@code millis}; negative values move it backwards, as a wall clock can. */
    public void advanceMillis(long millis) {
        nowMillis.addAndGet(millis);
    }

    public void setMillis(long millis) {
        nowMillis.set(millis);
    }
}
