package dev.moat.bench;

/** One implementation of a Redis-backed rate-limit check, driven by {@link RedisThroughput}. */
interface RedisSide extends AutoCloseable {

    /** What the reports call this side. */
    String name();

    /** One check of the benchmark's limit on key number {@code keyIndex}; true when admitted. */
    boolean check(int keyIndex);

    /**
     * The same check without waiting for it, as an event loop makes it: the answer completes the
     * stage on whatever thread the client answers from. Null for a side without such a form.
     */
    default java.util.concurrent.CompletionStage<Boolean> checkAsync(int keyIndex) {
        return null;
    }

    /** How often this side stopped asking Redis and answered from a fallback (only Moat has one). */
    default long outages() {
        return 0;
    }

    @Override
    void close();
}
