package dev.dbrefresh.engine.rds;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dbrefresh.contracts.ErrorCode;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.rds.model.RdsException;

/** {@link AwsErrors}: the AWS error codes a refresh meets, and whether retrying helps. */
class AwsErrorsTest {

    @Test
    void classify_shouldExplainKeyPolicy_whenKmsKeyNotAccessible() {
        AwsErrors.Problem p = AwsErrors.classify(error("KMSKeyNotAccessibleFault", "key not accessible"), "222222222222");

        assertThat(p.errorCode()).isEqualTo(ErrorCode.KMS_KEY_NOT_ACCESSIBLE);
        assertThat(p.retryable()).isFalse();
        assertThat(p.message()).contains("must allow account 222222222222").contains("aws/rds").contains("key ARN");
    }

    @Test
    void classify_shouldTreatInvalidParameterAboutKmsAsKmsProblem() {
        assertThat(AwsErrors.classify(error("InvalidParameterValue", "The KMS key is invalid"), null).errorCode())
                .isEqualTo(ErrorCode.KMS_KEY_NOT_ACCESSIBLE);
        assertThat(AwsErrors.classify(error("InvalidParameterValue", "Port out of range"), null).errorCode())
                .isEqualTo(ErrorCode.AWS_INVALID_REQUEST);
    }

    @Test
    void classify_shouldRetryConcurrentCopyLimit_butNotSnapshotQuota() {
        AwsErrors.Problem limit = AwsErrors.classify(error("SnapshotQuotaExceeded",
                "Cannot have more than 5 concurrent cross-region copies in progress"), null);
        AwsErrors.Problem quota = AwsErrors.classify(error("SnapshotQuotaExceeded", "Maximum 100 snapshots"), null);

        assertThat(limit.errorCode()).isEqualTo(ErrorCode.COPY_LIMIT_REACHED);
        assertThat(limit.retryable()).isTrue();
        assertThat(quota.errorCode()).isEqualTo(ErrorCode.SNAPSHOT_QUOTA_EXCEEDED);
        assertThat(quota.retryable()).isFalse();
    }

    @Test
    void classify_shouldRetry_whenThrottled() {
        assertThat(AwsErrors.classify(error("Throttling", "Rate exceeded"), null).retryable()).isTrue();
        assertThat(AwsErrors.classify(error("ThrottlingException", "Rate exceeded"), null).errorCode())
                .isEqualTo(ErrorCode.AWS_THROTTLED);
    }

    @Test
    void isNotFound_shouldBeTrue_forClusterInstanceAndSnapshotFaults() {
        assertThat(AwsErrors.isNotFound(error("DBClusterNotFoundFault", "gone"))).isTrue();
        assertThat(AwsErrors.isNotFound(error("DBInstanceNotFound", "gone"))).isTrue();
        assertThat(AwsErrors.isNotFound(error("DBClusterSnapshotNotFoundFault", "gone"))).isTrue();
        assertThat(AwsErrors.isNotFound(error("InvalidDBClusterStateFault", "busy"))).isFalse();
        assertThat(AwsErrors.isNotFound(new IllegalStateException("x"))).isFalse();
    }

    private static RdsException error(String code, String message) {
        return (RdsException) RdsException.builder().message(message).statusCode(400).awsErrorDetails(AwsErrorDetails
                .builder().errorCode(code).errorMessage(message).serviceName("Rds").build()).build();
    }
}
