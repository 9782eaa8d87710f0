package dev.dbrefresh.runtime.lease;

import java.time.Clock;

/** {@link InMemoryLeaseStore}: the {@link LeaseStore} contract, a new store for each test. */
class InMemoryLeaseStoreTest extends LeaseStoreContractTest {

    @Override
    LeaseStore store(Clock clock) {
        return new InMemoryLeaseStore(clock);
    }
}
