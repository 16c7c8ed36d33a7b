package dev.moat.core.store;

/** The memory state store runs the contract; it forgets on close, so reopen keeps the same store. */
class MemoryStateStoreTest extends StateStoreContract {
    @Override
    protected StateStore newStore() {
        return new MemoryStateStore();
    }
}
