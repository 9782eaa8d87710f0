package dev.dbrefresh.runtime.messaging;

import static org.assertj.core.api.Assertions.assertThat;

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
                Map.entry("Throttling", ErrorCodes.AWS_THROTTLED),
                Map.entry("ThrottlingException", ErrorCodes.AWS_THROTTLED),
                Map.entry("RequestLimitExceeded", ErrorCodes.AWS_THROTTLED),
                Map.entry("TooManyRequestsException", ErrorCodes.AWS_THROTTLED),
                Map.entry("ProvisionedThroughputExceededException", ErrorCodes.AWS_THROTTLED),
                Map.entry("ResourceNotFoundException", ErrorCodes.AWS_RESOURCE_NOT_FOUND),
                Map.entry("ParameterNotFound", ErrorCodes.AWS_RESOURCE_NOT_FOUND),
                Map.entry("DBClusterSnapshotNotFoundFault", ErrorCodes.AWS_RESOURCE_NOT_FOUND),
                Map.entry("AWS.SimpleQueueService.NonExistentQueue", ErrorCodes.AWS_RESOURCE_NOT_FOUND),
                Map.entry("QueueDoesNotExist", ErrorCodes.AWS_RESOURCE_NOT_FOUND),
                Map.entry("NotFound", ErrorCodes.AWS_RESOURCE_NOT_FOUND),
                Map.entry("AccessDeniedException", ErrorCodes.AWS_ACCESS_DENIED),
                Map.entry("AuthorizationError", ErrorCodes.AWS_ACCESS_DENIED),
                Map.entry("ExpiredTokenException", ErrorCodes.AWS_AUTH_FAILED),
                Map.entry("InvalidSignatureException", ErrorCodes.AWS_AUTH_FAILED),
                Map.entry("InvalidDBClusterStateFault", ErrorCodes.AWS_INVALID_STATE),
                Map.entry("InvalidDBInstanceState", ErrorCodes.AWS_INVALID_STATE),
                Map.entry("ResourceInUseException", ErrorCodes.AWS_INVALID_STATE),
                Map.entry("DBClusterSnapshotAlreadyExistsFault", ErrorCodes.AWS_ALREADY_EXISTS),
                Map.entry("LimitExceededException", ErrorCodes.AWS_QUOTA_EXCEEDED),
                Map.entry("ValidationException", ErrorCodes.AWS_INVALID_REQUEST),
                Map.entry("InvalidRequestException", ErrorCodes.AWS_INVALID_REQUEST),
                Map.entry("KMSKeyNotAccessibleFault", ErrorCodes.AWS_KMS_ERROR),
                Map.entry("DecryptionFailure", ErrorCodes.AWS_KMS_ERROR),
                Map.entry("InternalServiceError", ErrorCodes.AWS_SERVICE_UNAVAILABLE),
                Map.entry("SomethingNobodyHasSeen", ErrorCodes.AWS_ERROR));

        expected.forEach((awsCode, code) -> {
            String mapped = ErrorCodes.of(error(awsCode, 400));
            assertThat(mapped).as(awsCode).isEqualTo(code).matches(RefreshFailed.ERROR_CODE);
        });
    }

    @Test
    void of_shouldUseStatusAndSdkClassification_whenCodeSaysNothing() {
        assertThat(ErrorCodes.of(error(null, 500))).isEqualTo(ErrorCodes.AWS_SERVICE_UNAVAILABLE);
        assertThat(ErrorCodes.of(error("Unknown", 429))).isEqualTo(ErrorCodes.AWS_THROTTLED);
        assertThat(ErrorCodes.of(error(null, 400))).isEqualTo(ErrorCodes.AWS_ERROR);
        assertThat(ErrorCodes.of(SdkClientException.create("Unable to execute HTTP request")))
                .isEqualTo(ErrorCodes.AWS_CLIENT_ERROR);
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

        assertThat(ErrorCodes.of(missing)).isEqualTo(ErrorCodes.AWS_RESOURCE_NOT_FOUND);
        assertThat(ErrorCodes.describe(missing))
                .startsWith("AWS ResourceNotFoundException: Secrets Manager can't find the specified secret.");
    }

    private static AwsServiceException error(String code, int status) {
        return AwsServiceException.builder().message("failed").statusCode(status).awsErrorDetails(AwsErrorDetails
                .builder().errorCode(code).errorMessage("failed").serviceName("Test").build()).build();
    }
}
