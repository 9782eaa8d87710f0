package dev.dbrefresh.runtime.audit;

import dev.dbrefresh.contracts.Tables;
import dev.dbrefresh.runtime.testing.DynamoDbLocalExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link DynamoDbAuditLog} against DynamoDB Local: the {@link AuditLog} contract. */
class DynamoDbAuditLogTest extends AuditLogContractTest {

    @RegisterExtension
    static final DynamoDbLocalExtension DYNAMO = new DynamoDbLocalExtension();

    @Override
    AuditLog log() {
        return new DynamoDbAuditLog(DYNAMO.client(), Tables.AUDIT);
    }
}
