package dev.dbrefresh.runtime.lease;

import dev.dbrefresh.contracts.Tables;
import dev.dbrefresh.runtime.testing.DynamoDbLocalExtension;
import java.time.Clock;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link DynamoDbLeaseStore} against DynamoDB Local: the {@link LeaseStore} contract. */
class DynamoDbLeaseStoreTest extends LeaseStoreContractTest {

    @RegisterExtension
    static final DynamoDbLocalExtension DYNAMO = new DynamoDbLocalExtension();

    @Override
    LeaseStore store(Clock clock) {
        return new DynamoDbLeaseStore(DYNAMO.client(), Tables.LEASES, clock);
    }
}
