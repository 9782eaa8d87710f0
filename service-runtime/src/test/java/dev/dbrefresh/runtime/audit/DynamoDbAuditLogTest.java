package dev.dbrefresh.runtime.audit;

import dev.dbrefresh.runtime.aws.Tables;
import dev.dbrefresh.runtime.local.LocalAws;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link DynamoDbAuditLog} against DynamoDB Local: the {@link AuditLog} contract. */
class DynamoDbAuditLogTest extends AuditLogContractTest {

    private static LocalAws aws;
    private static AuditLog audit;

    @BeforeAll
    static void startDynamo() throws Exception {
        aws = LocalAws.startDynamoOnly(null);
        audit = new DynamoDbAuditLog(aws.dynamoClient(), Tables.AUDIT);
    }

    @AfterAll
    static void stopDynamo() {
        if (aws != null) {
            aws.close();
        }
    }

    @Override
    AuditLog log() {
        return audit;
    }
}
