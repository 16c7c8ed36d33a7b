package dev.moat.redis;

import dev.moat.core.store.AsyncConsumeView;
import dev.moat.core.store.LimitStore;

/**
 * The shared limit-store contract (and the cluster's own ordering tests) against a real
 * three-master Redis Cluster, every consume of the contract made through the store's non-blocking
 * form: checks whose keys share a slot take it, the others (a subject's limits and a global budget
 * on different nodes) the blocking cluster path it falls back to.
 */
class ClusterRedisLimitStoreAsyncContractTest extends ClusterRedisLimitStoreContractTest {

    @Override
    protected LimitStore newStore() {
        return new AsyncConsumeView(super.newStore());
    }
}
