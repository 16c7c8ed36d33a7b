package dev.moat.core.store;

/**
 * A base for test doubles of {@link LimitStore} that only care about the consume calls a wrapper
 * passes on (which form, how often, failing on demand): leases go to a real memory store, so a
 * double is a complete store, and the kind is given.
 */
public abstract class RecordingLimitStoreBase implements LimitStore {
    private final MemoryLimitStore leases = new MemoryLimitStore();
    private final String kind;

    protected RecordingLimitStoreBase(String kind) {
        this.kind = kind;
    }

    @Override
    public LeaseGrant acquireLease(String key, int max, long leaseMillis, long nowMillis) {
        return leases.acquireLease(key, max, leaseMillis, nowMillis);
    }

    @Override
    public void releaseLease(String leaseId, long nowMillis) {
        leases.releaseLease(leaseId, nowMillis);
    }

    @Override
    public String kind() {
        return kind;
    }
}
