package dev.dbrefresh.e2e;

import dev.dbrefresh.testsupport.RealLocalStack;
import java.util.EnumSet;
import java.util.Set;
import org.testcontainers.localstack.LocalStackContainer;

/**
 * LocalStack's community image ({@link RealLocalStack#IMAGE}, in a container started once per JVM) as the AWS of an
 * end-to-end test ({@link AwsEmulator}): SNS with SQS subscriptions (filter policies, raw delivery), SQS, SSM,
 * DynamoDB tables and Secrets Manager, reached at the container's mapped port with its dummy credentials. It has none
 * of the {@link Capability capabilities}: RDS, DynamoDB backups and IAM enforcement are LocalStack Pro features.
 * Only a {@link dev.dbrefresh.testsupport.ContainerTest} class may start it.
 */
final class LocalStackAws extends AwsEmulator {

    private LocalStackAws(LocalStackContainer container) {
        super(container.getEndpoint().toString(), container.getRegion(), container.getAccessKey(),
                container.getSecretKey());
    }

    /**
     * Reaches the container (starting it on the first call) and creates the messaging resources and tables in it.
     *
     * @return the emulator
     */
    static LocalStackAws start() {
        LocalStackAws aws = new LocalStackAws(RealLocalStack.container());
        aws.createResources();
        return aws;
    }

    @Override
    public String name() {
        return RealLocalStack.IMAGE;
    }

    @Override
    public Set<Capability> capabilities() {
        return EnumSet.noneOf(Capability.class);
    }

    @Override
    protected String whyNot(Capability capability) {
        return switch (capability) {
            case RDS -> "RDS exists in LocalStack Pro only (the community image answers its API as not included)";
            case DYNAMODB_BACKUPS -> "the community image's DynamoDB (DynamoDB Local underneath) has no CreateBackup or"
                    + " RestoreTableFromBackup";
            case IAM_ENFORCEMENT -> "IAM enforcement (ENFORCE_IAM) is a LocalStack Pro feature";
        };
    }
}
