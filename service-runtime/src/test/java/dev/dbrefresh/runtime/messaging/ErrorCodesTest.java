package dev.dbrefresh.runtime.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.RefreshFailed;
import java.util.Map;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.secretsmanager.model.ResourceNotFoundException;

/** {@link ErrorCodes}: no AWS wire code leaves a service as an error code (issue 13). */
class ErrorCodesTest {

    @Test
    void of_shouldMapAwsCodesToDbrefreshCodes_forEveryClassOfError() {
        Map<String, String> expected = Map.ofEntries(
                Map.entry("Throttling", ErrorCode.AWS_THROTTLED.code()),
                Map.entry("ThrottlingException", ErrorCode.AWS_THROTTLED.code()),
                Map.entry("RequestLimitExceeded", ErrorCode.AWS_THROTTLED.code()),
                Map.entry("TooManyRequestsException", ErrorCode.AWS_THROTTLED.code()),
                Map.entry("ProvisionedThroughputExceededException", ErrorCode.AWS_THROTTLED.code()),
                Map.entry("ResourceNotFoundException", ErrorCode.AWS_RESOURCE_NOT_FOUND.code()),
                Map.entry("ParameterNotFound", ErrorCode.AWS_RESOURCE_NOT_FOUND.code()),
                Map.entry("DBClusterSnapshotNotFoundFault", ErrorCode.AWS_RESOURCE_NOT_FOUND.code()),
                Map.entry("AWS.SimpleQueueService.NonExistentQueue", ErrorCode.AWS_RESOURCE_NOT_FOUND.code()),
                Map.entry("QueueDoesNotExist", ErrorCode.AWS_RESOURCE_NOT_FOUND.code()),
                Map.entry("NotFound", ErrorCode.AWS_RESOURCE_NOT_FOUND.code()),
                Map.entry("AccessDeniedException", ErrorCode.AWS_ACCESS_DENIED.code()),
                Map.entry("AuthorizationError", ErrorCode.AWS_ACCESS_DENIED.code()),
                Map.entry("ExpiredTokenException", ErrorCode.AWS_AUTH_FAILED.code()),
                Map.entry("InvalidSignatureException", ErrorCode.AWS_AUTH_FAILED.code()),
                Map.entry("InvalidDBClusterStateFault", ErrorCode.AWS_INVALID_STATE.code()),
                Map.entry("InvalidDBInstanceState", ErrorCode.AWS_INVALID_STATE.code()),
                Map.entry("ResourceInUseException", ErrorCode.AWS_INVALID_STATE.code()),
                Map.entry("DBClusterSnapshotAlreadyExistsFault", ErrorCode.AWS_ALREADY_EXISTS.code()),
                Map.entry("LimitExceededException", ErrorCode.AWS_QUOTA_EXCEEDED.code()),
                Map.entry("ValidationException", ErrorCode.AWS_INVALID_REQUEST.code()),
                Map.entry("InvalidRequestException", ErrorCode.AWS_INVALID_REQUEST.code()),
                Map.entry("KMSKeyNotAccessibleFault", ErrorCode.AWS_KMS_ERROR.code()),
                Map.entry("DecryptionFailure", ErrorCode.AWS_KMS_ERROR.code()),
                Map.entry("InternalServiceError", ErrorCode.AWS_SERVICE_UNAVAILABLE.code()),
                Map.entry("SomethingNobodyHasSeen", ErrorCode.AWS_ERROR.code()));

        expected.forEach((awsCode, code) -> {
            String mapped = ErrorCodes.of(error(awsCode, 400));
            assertThat(mapped).as(awsCode).isEqualTo(code).matches(RefreshFailed.ERROR_CODE);
        });
    }

    @Test
    void of_shouldUseStatusAndSdkClassification_whenCodeSaysNothing() {
        assertThat(ErrorCodes.of(error(null, 500))).isEqualTo(ErrorCode.AWS_SERVICE_UNAVAILABLE.code());
        assertThat(ErrorCodes.of(error("Unknown", 429))).isEqualTo(ErrorCode.AWS_THROTTLED.code());
        assertThat(ErrorCodes.of(error(null, 400))).isEqualTo(ErrorCode.AWS_ERROR.code());
        assertThat(ErrorCodes.of(SdkClientException.create("Unable to execute HTTP request")))
                .isEqualTo(ErrorCode.AWS_CLIENT_ERROR.code());
    }

    @Test
    void of_shouldBeUpperSnakeClassName_forOtherExceptions() {
        assertThat(ErrorCodes.of(new IllegalStateException("x"))).isEqualTo("ILLEGAL_STATE_EXCEPTION");
        assertThat(ErrorCodes.of(new RuntimeException() { })).matches(RefreshFailed.ERROR_CODE);
    }

    @Test
    void describe_shouldKeepTheAwsCode() {
        ResourceNotFoundException missing = (ResourceNotFoundException) ResourceNotFoundException.builder()
                .message("Secrets Manager can't find the specified secret.").statusCode(400)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("ResourceNotFoundException")
                        .errorMessage("Secrets Manager can't find the specified secret.").serviceName("SecretsManager")
                        .build()).build();

        assertThat(ErrorCodes.of(missing)).isEqualTo(ErrorCode.AWS_RESOURCE_NOT_FOUND.code());
        assertThat(ErrorCodes.describe(missing))
                .startsWith("AWS ResourceNotFoundException: Secrets Manager can't find the specified secret.");
    }

    private static AwsServiceException error(String code, int status) {
        return AwsServiceException.builder().message("failed").statusCode(status).awsErrorDetails(AwsErrorDetails
                .builder().errorCode(code).errorMessage("failed").serviceName("Test").build()).build();
    }
}
