package dev.dbrefresh.runtime.testing;

import dev.dbrefresh.local.aws.LocalAws;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * DynamoDB Local (in memory, with dbrefresh's tables, {@link LocalAws#startDynamoOnly}) for the tests of one class:
 * register it on a static field with {@code @RegisterExtension}; it starts before the class's tests and stops after
 * them.
 */
public final class DynamoDbLocalExtension implements BeforeAllCallback, AfterAllCallback {

    private LocalAws aws;
    private DynamoDbClient client;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        aws = LocalAws.startDynamoOnly(null);
        client = aws.dynamoClient();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        if (aws != null) {
            aws.close();
            aws = null;
            client = null;
        }
    }

    /**
     * @return a client of the running DynamoDB Local, closed when it stops
     * @throws IllegalStateException outside the class's tests
     */
    public DynamoDbClient client() {
        if (client == null) {
            throw new IllegalStateException("DynamoDB Local is not running: register the extension on a static field");
        }
        return client;
    }
}
