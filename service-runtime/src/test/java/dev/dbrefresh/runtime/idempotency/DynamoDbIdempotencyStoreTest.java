package dev.dbrefresh.runtime.idempotency;

import dev.dbrefresh.contracts.Tables;
import dev.dbrefresh.runtime.testing.DynamoDbLocalExtension;
import java.time.Clock;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link DynamoDbIdempotencyStore} against DynamoDB Local: the {@link IdempotencyStore} contract. */
class DynamoDbIdempotencyStoreTest extends IdempotencyStoreContractTest {

    @RegisterExtension
    static final DynamoDbLocalExtension DYNAMO = new DynamoDbLocalExtension();

    @Override
    IdempotencyStore store(Clock clock) {
        return new DynamoDbIdempotencyStore(DYNAMO.client(), Tables.IDEMPOTENCY, clock);
    }
}
