package dev.dbrefresh.testsupport;

import org.testcontainers.localstack.LocalStackContainer;

/**
 * LocalStack in a container, image {@value #IMAGE} (a pinned release, not {@code latest}: later images need an
 * account token), with SNS, SQS, SSM, DynamoDB and Secrets Manager; started once per JVM on first use. Call only
 * from a {@link ContainerTest} class. e2e-tests' {@code AwsModeRefreshOnLocalStackIT} runs the AWS-mode end-to-end
 * behaviours on it; those that need RDS, DynamoDB backups or IAM enforcement (LocalStack Pro features) skip there
 * and run on moto.
 */
public final class RealLocalStack {

    /** The pinned image. */
    public static final String IMAGE = "localstack/localstack:3.8.1";

    private static LocalStackContainer container;

    private RealLocalStack() {
    }

    /** @return the running container (started on the first call); its endpoint is {@code getEndpoint()} */
    public static synchronized LocalStackContainer container() {
        if (container == null) {
            LocalStackContainer c = new LocalStackContainer(IMAGE)
                    .withServices("sns", "sqs", "ssm", "dynamodb", "secretsmanager");
            c.start();
            container = c;
        }
        return container;
    }
}
