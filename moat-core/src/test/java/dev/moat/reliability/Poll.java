package dev.moat.reliability;

import java.util.function.BooleanSupplier;

/**
 * Waiting on what no injected clock reaches: another process (Redis, a server started from the
 * jar) or another thread reaching a state. Polls the condition until it holds or the deadline,
 * in real time; a test never asserts how long that took.
 */
public final class Poll {
    private Poll() {
    }

    /** True as soon as {@code condition} holds; false when {@code timeoutMillis} passed first. */
    public static boolean until(BooleanSupplier condition, long timeoutMillis, long everyMillis) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            try {
                Thread.sleep(everyMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return condition.getAsBoolean();
            }
        }
        return true;
    }

    /** As {@link #until}, failing the test with {@code what} when the condition never held. */
    public static void await(BooleanSupplier condition, long timeoutMillis, String what) {
        if (!until(condition, timeoutMillis, 50)) {
            throw new AssertionError("timed out after " + timeoutMillis + " ms waiting for: " + what);
        }
    }
}
