package dev.moat.bench;

/** One implementation of a Redis-backed rate-limit check, driven by {@link RedisThroughput}. */
interface RedisSide extends AutoCloseable {

    /** What the reports call this side. */
    String name();

    /** One check of the benchmark's limit on key number {@code keyIndex}; true when admitted. */
    boolean check(int keyIndex);

    @Override
    void close();
}
