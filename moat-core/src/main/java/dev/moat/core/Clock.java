package dev.moat.core;

/**
 * The one source of time in Moat. Every algorithm, store and rule takes its "now" from here, so
 * tests advance a {@link ManualClock} instead of sleeping. Wall-clock milliseconds, never
 * {@code System.nanoTime()}: state shared between nodes (Redis) must agree on what "now" means.
 */
@FunctionalInterface
public interface Clock {
    /** Milliseconds since the Unix epoch. */
    long nowMillis();

    /** The system wall clock. */
    Clock SYSTEM = System::currentTimeMillis;
}
