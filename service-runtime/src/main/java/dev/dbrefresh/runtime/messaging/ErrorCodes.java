package dev.dbrefresh.runtime.messaging;

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
 * leave a service as codes: they are mapped by {@link #ofAws(String, boolean, int)} and kept in the
 * message ({@link #describe(Throwable)} starts with them). The wire codes are those of the AWS APIs'
 * common errors, e.g. <a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html">RDS</a>,
 * <a href="https://docs.aws.amazon.com/secretsmanager/latest/apireference/CommonErrors.html">Secrets Manager</a>,
 * and the SDK's own throttling detection ({@link AwsServiceException#isThrottlingException()}).
 */
public final class ErrorCodes {

    /** AWS rate limiting: retried with backoff, then reported as this. */
    public static final String AWS_THROTTLED = "AWS_THROTTLED";
    /** The named AWS resource (secret, parameter, cluster, snapshot, queue, topic, table, ...) does not exist. */
    public static final String AWS_RESOURCE_NOT_FOUND = "AWS_RESOURCE_NOT_FOUND";
    /** The service's IAM role may not make the call. */
    public static final String AWS_ACCESS_DENIED = "AWS_ACCESS_DENIED";
    /** The service's credentials were refused (unknown, expired or badly signed). */
    public static final String AWS_AUTH_FAILED = "AWS_AUTH_FAILED";
    /** The resource exists but is in a state that does not allow the call (e.g. a cluster being modified). */
    public static final String AWS_INVALID_STATE = "AWS_INVALID_STATE";
    /** The resource to create exists already. */
    public static final String AWS_ALREADY_EXISTS = "AWS_ALREADY_EXISTS";
    /** An account or service quota is reached. */
    public static final String AWS_QUOTA_EXCEEDED = "AWS_QUOTA_EXCEEDED";
    /** The request was refused as invalid (parameters, validation). */
    public static final String AWS_INVALID_REQUEST = "AWS_INVALID_REQUEST";
    /** A KMS key could not be used (disabled, not accessible, decryption failed). */
    public static final String AWS_KMS_ERROR = "AWS_KMS_ERROR";
    /** AWS had an internal error or was unavailable (HTTP 5xx). */
    public static final String AWS_SERVICE_UNAVAILABLE = "AWS_SERVICE_UNAVAILABLE";
    /** The SDK could not make the call at all (no connection, timeout, no credentials found). */
    public static final String AWS_CLIENT_ERROR = "AWS_CLIENT_ERROR";
    /** Any other AWS service error. */
    public static final String AWS_ERROR = "AWS_ERROR";

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
     *         {@value #AWS_CLIENT_ERROR}; else the exception class in upper snake case (e.g.
     *         {@code PG_TOOL_EXCEPTION}); always matching {@link RefreshFailed#ERROR_CODE}
     */
    public static String of(Throwable e) {
        if (e instanceof AwsServiceException aws) {
            return ofAws(awsCode(aws), aws.isThrottlingException(), aws.statusCode());
        }
        if (e instanceof SdkClientException) {
            return AWS_CLIENT_ERROR;
        }
        String name = e.getClass().getSimpleName().isEmpty() ? e.getClass().getName() : e.getClass().getSimpleName();
        return RefreshFailed.normalizeErrorCode(name);
    }

    /**
     * Maps an AWS wire code to dbrefresh's code for its class of error.
     *
     * @param awsCode    the AWS error code, e.g. {@code ResourceNotFoundException}, or {@code null}
     * @param throttling whether the SDK classified the error as throttling
     * @param httpStatus the HTTP status of the response, 0 when unknown
     * @return one of the {@code AWS_*} constants of this class
     */
    public static String ofAws(String awsCode, boolean throttling, int httpStatus) {
        String code = awsCode == null ? "" : awsCode;
        // Query-protocol services prefix codes, e.g. AWS.SimpleQueueService.NonExistentQueue.
        String bare = code.substring(code.lastIndexOf('.') + 1);
        String lower = bare.toLowerCase(Locale.ROOT);
        if (throttling || THROTTLING.contains(bare) || httpStatus == 429) {
            return AWS_THROTTLED;
        }
        if (lower.contains("notfound") || lower.startsWith("nosuch") || lower.contains("nonexistent")
                || lower.contains("doesnotexist")) {
            return AWS_RESOURCE_NOT_FOUND;
        }
        if (ACCESS_DENIED.contains(bare)) {
            return AWS_ACCESS_DENIED;
        }
        if (AUTH_FAILED.contains(bare)) {
            return AWS_AUTH_FAILED;
        }
        if (lower.startsWith("kms") || lower.equals("decryptionfailure") || lower.equals("encryptionfailure")) {
            return AWS_KMS_ERROR;
        }
        if (lower.contains("invalid") && lower.contains("state") || lower.contains("inuse")
                || lower.equals("conflictexception") || lower.equals("resourceconflictexception")) {
            return AWS_INVALID_STATE;
        }
        if (lower.contains("alreadyexists") || lower.equals("resourceexistsexception")) {
            return AWS_ALREADY_EXISTS;
        }
        if (lower.contains("quotaexceeded") || lower.contains("limitexceeded")) {
            return AWS_QUOTA_EXCEEDED;
        }
        if (lower.startsWith("invalid") || lower.startsWith("validation") || lower.startsWith("missing")
                || lower.startsWith("malformed") || lower.equals("badrequest")) {
            return AWS_INVALID_REQUEST;
        }
        if (SERVICE_UNAVAILABLE.contains(bare) || httpStatus >= 500) {
            return AWS_SERVICE_UNAVAILABLE;
        }
        return AWS_ERROR;
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
