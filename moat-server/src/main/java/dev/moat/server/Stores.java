package dev.moat.server;

import dev.moat.core.store.LimitStore;
import dev.moat.core.store.MemoryLimitStore;
import dev.moat.core.store.StateStore;
import dev.moat.server.config.StoreSettings;
import dev.moat.sqlite.SqliteStateStore;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The one place that picks the stores from {@code store}: counters in this node's memory (Redis
 * once moat-redis exists), durable state (bans, scores, the violation log, revocations) in SQLite
 * under {@code store.data_dir}.
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

    /** Opens {@code data_dir/moat.db} (creating it, migrating its schema); fails if another process has it open. */
    static StateStore stateStore(StoreSettings s) {
        return SqliteStateStore.open(Path.of(s.dataDir()));
    }

    /** "sqlite" or "memory", for /healthz. */
    static String stateKind(StateStore raw) {
        return raw instanceof SqliteStateStore ? "sqlite" : "memory";
    }

    /** Why the durable store cannot be used right now, or empty when it can. */
    static Optional<String> stateProblem(StateStore raw) {
        if (raw instanceof SqliteStateStore sqlite && !sqlite.healthy()) {
            String e = sqlite.lastError();
            return Optional.of("the state store is failing: " + (e == null ? "unknown error" : e));
        }
        return Optional.empty();
    }
}
