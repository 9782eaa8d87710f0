package dev.dbrefresh.e2e;

import dev.dbrefresh.testsupport.ContainerTest;
import java.nio.file.Path;

/**
 * {@link AwsModeRefreshBehaviour} on LocalStack's community image ({@link LocalStackAws}): the {@code postgres}
 * refresh runs there (SNS fan-out with filter policies, SQS, SSM, DynamoDB); the Aurora and DynamoDB-backup
 * behaviours are reported as skipped with LocalStack's reason (RDS and DynamoDB backups are LocalStack Pro features).
 * Skipped as a whole, with the reason, where Docker is absent.
 */
@ContainerTest
class AwsModeRefreshOnLocalStackIT extends AwsModeRefreshBehaviour {

    @Override
    protected AwsEmulator emulator(Path workDir) {
        return LocalStackAws.start();
    }
}
