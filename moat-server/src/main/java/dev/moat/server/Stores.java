package dev.moat.server;

import dev.moat.core.store.LimitStore;
import dev.moat.core.store.MemoryLimitStore;
import dev.moat.core.store.MemoryStateStore;
import dev.moat.core.store.StateStore;
import dev.moat.server.config.StoreSettings;

import java.util.Optional;

/**
 * The one place that picks the stores from {@code store}: counters in this node's memory (or
 * Redis, once moat-redis exists), durable state under {@code store.data_dir}.
 */
final class Stores {
    private Stores() {
    }

    static LimitStore limitStore(StoreSettings s) throws StartupException {
        if ("redis".equals(s.type())) {
            throw new StartupException("store.type: redis is not available in this build yet; use memory");
        }
        return new MemoryLimitStore(s.maxKeys());
    }

    /**
     * Durable state for the embedded default. THE SWITCH: this returns {@link MemoryStateStore}
     * until moat-sqlite's {@code SqliteStateStore.open(Path.of(s.dataDir()))} is merged (branch
     * {@code sqlite}); then bans, scores and the log survive restarts.
     */
    static StateStore stateStore(StoreSettings s) throws StartupException {
        return new MemoryStateStore();
    }

    /** "sqlite" or "memory", for /healthz. */
    static String stateKind(StateStore raw) {
        return raw instanceof MemoryStateStore ? "memory" : "sqlite";
    }

    /** Why the durable store cannot be used right now, or empty when it can. */
    static Optional<String> stateProblem(StateStore raw) {
        return Optional.empty();
    }
}
