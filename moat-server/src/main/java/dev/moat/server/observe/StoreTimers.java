package dev.moat.server.observe;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/** The {@code moat_store_latency_seconds} timer, one per store and operation. */
final class StoreTimers {
    private StoreTimers() {
    }

    static Timer timer(MeterRegistry registry, String store, String op) {
        return Timer.builder("moat.store.latency")
                .description("Time spent in store calls")
                .tag("store", store).tag("op", op)
                .register(registry);
    }
}
