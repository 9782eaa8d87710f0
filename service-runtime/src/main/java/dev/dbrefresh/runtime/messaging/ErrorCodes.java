package dev.dbrefresh.runtime.messaging;

import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.RefreshFailed;
import java.util.Locale;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * Turns exceptions into the stable error codes and messages of the audit log and failure events.
 *
 * <p>Every code returned here is one of dbrefresh's own and matches {@link RefreshFailed#ERROR_CODE}
 * ({@code ^[A-Z][A-Z0-9_]*$}, the pattern of the {@code refresh.failed} schema). AWS wire codes never
 * leave a service as codes: they are mapped to the {@code AWS_*} {@link ErrorCode}s by
 * {@link #ofAws(String, boolean, int)} and kept in the message ({@link #describe(Throwable)} starts with them).
 * The wire codes are those of the AWS APIs' common errors, e.g. <a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html">RDS</a>,
 * <a href="https://docs.aws.amazon.com/secretsmanager/latest/apireference/CommonErrors.html">Secrets Manager</a>,
 * and the SDK's own throttling detection ({@link AwsServiceException#isThrottlingException()}).
 */
public final class ErrorCodes {

    /** Wire codes of rate limiting across the AWS APIs dbrefresh calls. */
    public static final Set<String> THROTTLING = Set.of("Throttling", "ThrottlingException", "ThrottledException",
            "RequestLimitExceeded", "TooManyRequestsException", "RequestThrottled", "RequestThrottledException",
            "ProvisionedThroughputExceededException", "SlowDown", "BandwidthLimitExceeded");

    private static final Set<String> ACCESS_DENIED = Set.of("AccessDenied", "AccessDeniedException",
            "UnauthorizedOperation", "AuthorizationError", "AuthorizationErrorException", "NotAuthorized",
            "Forbidden", "AccessDeniedFault", "UnauthorizedException");

    private static final Set<String> AUTH_FAILED = Set.of("UnrecognizedClientException", "InvalidClientTokenId",
            "ExpiredToken", "ExpiredTokenException", "SignatureDoesNotMatch", "InvalidSignatureException",
            "AuthFailure", "MissingAuthenticationToken", "IncompleteSignature", "InvalidAccessKeyId");

    private static final Set<String> SERVICE_UNAVAILABLE = Set.of("InternalFailure", "InternalError",
            "InternalServerError", "InternalServiceError", "InternalServiceErrorException", "InternalErrorException",
            "ServiceUnavailable", "ServiceUnavailableException", "InternalServerException");

    private ErrorCodes() {
    }

    /**
     * @param e an exception
     * @return for AWS service errors the mapped code ({@link #ofAws}); for SDK client errors
     *         {@link ErrorCode#AWS_CLIENT_ERROR}; else the exception class in upper snake case (e.g.
     *         {@code PG_TOOL_EXCEPTION}, not an {@link ErrorCode}); always matching {@link RefreshFailed#ERROR_CODE}
     */
    public static String of(Throwable e) {
        if (e instanceof AwsServiceException aws) {
            return ofAws(aws).code();
        }
        if (e instanceof SdkClientException) {
            return ErrorCode.AWS_CLIENT_ERROR.code();
        }
        String name = e.getClass().getSimpleName().isEmpty() ? e.getClass().getName() : e.getClass().getSimpleName();
        return RefreshFailed.normalizeErrorCode(name);
    }

    /**
     * @param e an AWS service error
     * @return dbrefresh's code for its class of error ({@link #ofAws(String, boolean, int)})
     */
    public static ErrorCode ofAws(AwsServiceException e) {
        return ofAws(awsCode(e), e.isThrottlingException(), e.statusCode());
    }

    /**
     * Maps an AWS wire code to dbrefresh's code for its class of error.
     *
     * @param awsCode    the AWS error code, e.g. {@code ResourceNotFoundException}, or {@code null}
     * @param throttling whether the SDK classified the error as throttling
     * @param httpStatus the HTTP status of the response, 0 when unknown
     * @return one of the {@code AWS_*} codes
     */
    public static ErrorCode ofAws(String awsCode, boolean throttling, int httpStatus) {
        String code = awsCode == null ? "" : awsCode;
        // Query-protocol services prefix codes, e.g. AWS.SimpleQueueService.NonExistentQueue.
        String bare = code.substring(code.lastIndexOf('.') + 1);
        String lower = bare.toLowerCase(Locale.ROOT);
        if (throttling || THROTTLING.contains(bare) || httpStatus == 429) {
            return ErrorCode.AWS_THROTTLED;
        }
        if (lower.contains("notfound") || lower.startsWith("nosuch") || lower.contains("nonexistent")
                || lower.contains("doesnotexist")) {
            return ErrorCode.AWS_RESOURCE_NOT_FOUND;
        }
        if (ACCESS_DENIED.contains(bare)) {
            return ErrorCode.AWS_ACCESS_DENIED;
        }
        if (AUTH_FAILED.contains(bare)) {
            return ErrorCode.AWS_AUTH_FAILED;
        }
        if (lower.startsWith("kms") || lower.equals("decryptionfailure") || lower.equals("encryptionfailure")) {
            return ErrorCode.AWS_KMS_ERROR;
        }
        if (lower.contains("invalid") && lower.contains("state") || lower.contains("inuse")
                || lower.equals("conflictexception") || lower.equals("resourceconflictexception")) {
            return ErrorCode.AWS_INVALID_STATE;
        }
        if (lower.contains("alreadyexists") || lower.equals("resourceexistsexception")) {
            return ErrorCode.AWS_ALREADY_EXISTS;
        }
        if (lower.contains("quotaexceeded") || lower.contains("limitexceeded")) {
            return ErrorCode.AWS_QUOTA_EXCEEDED;
        }
        if (lower.startsWith("invalid") || lower.startsWith("validation") || lower.startsWith("missing")
                || lower.startsWith("malformed") || lower.equals("badrequest")) {
            return ErrorCode.AWS_INVALID_REQUEST;
        }
        if (SERVICE_UNAVAILABLE.contains(bare) || httpStatus >= 500) {
            return ErrorCode.AWS_SERVICE_UNAVAILABLE;
        }
        return ErrorCode.AWS_ERROR;
    }

    /**
     * @param e an exception
     * @return a one-line description, at most 1000 characters; for AWS service errors it starts with the
     *         AWS error code, e.g. {@code AWS ResourceNotFoundException: Secrets Manager can't find ...}
     */
    public static String describe(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        if (e instanceof AwsServiceException aws && awsCode(aws) != null) {
            m = "AWS " + awsCode(aws) + ": " + m;
        }
        m = m.replace('\n', ' ');
        return m.length() > 1000 ? m.substring(0, 1000) + "..." : m;
    }

    private static String awsCode(AwsServiceException aws) {
        return aws.awsErrorDetails() == null ? null : aws.awsErrorDetails().errorCode();
    }
}
