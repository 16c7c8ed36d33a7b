package dev.moat.sqlite;

import dev.moat.core.store.StateStore;
import dev.moat.core.store.StateStoreContract;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

/**
 * The shared {@link StateStoreContract} on SQLite: each test gets a fresh directory, and
 * {@link #reopen} closes the store and opens the same directory again. The store's clock reads
 * the contract's {@code now}, so that the expired state dropped at open is expired in the test's
 * timeline, not the machine's.
 */
class SqliteStateStoreContractTest extends StateStoreContract {
    @TempDir
    Path dir;

    @Override
    protected StateStore newStore() {
        return SqliteStateStore.open(dir, () -> now);
    }

    @Override
    protected StateStore reopen(StateStore old) {
        old.close();
        return SqliteStateStore.open(dir, () -> now);
    }
}
