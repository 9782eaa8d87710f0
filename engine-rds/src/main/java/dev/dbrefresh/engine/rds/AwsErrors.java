package dev.dbrefresh.engine.rds;

import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.runtime.messaging.ErrorCodes;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/**
 * Turns the RDS/DocumentDB errors a refresh meets into messages a person can act on, and says whether
 * retrying the message can help. Error codes are the wire codes of the
 * <a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/CommonErrors.html">RDS API</a>
 * (e.g. {@code DBClusterNotFoundFault}, {@code KMSKeyNotAccessibleFault}, {@code SnapshotQuotaExceeded}).
 *
 * <p>How the engines use it: a {@link Problem} that is not {@link Problem#retryable()} ends the run
 * (the engine returns a refusal with {@link Problem#errorCode()} and {@link Problem#message()}); a
 * retryable one is rethrown, so the SQS consumer backs off through the visibility timeout and the
 * redrive policy gives up eventually.
 */
public final class AwsErrors {

    /** Wire codes of "there is no such cluster/instance/snapshot". */
    public static final Set<String> NOT_FOUND = Set.of("DBClusterNotFoundFault", "DBInstanceNotFound",
            "DBInstanceNotFoundFault", "DBClusterSnapshotNotFoundFault", "DBSnapshotNotFound");

    private static final Set<String> QUOTA = Set.of("SnapshotQuotaExceeded", "SnapshotQuotaExceededFault");

    private AwsErrors() {
    }

    /**
     * @param e any exception
     * @return the AWS error code (e.g. {@code DBClusterNotFoundFault}), or empty when {@code e} is not
     *         an AWS service error
     */
    public static Optional<String> code(Throwable e) {
        if (e instanceof AwsServiceException aws && aws.awsErrorDetails() != null) {
            return Optional.ofNullable(aws.awsErrorDetails().errorCode());
        }
        return Optional.empty();
    }

    /**
     * @param e any exception
     * @return whether it says the cluster, instance or snapshot does not exist, e.g. a
     *         {@code DBClusterNotFoundFault} from {@code DeleteDBCluster} after a half-finished delete:
     *         the thing is already gone
     */
    public static boolean isNotFound(Throwable e) {
        return code(e).map(NOT_FOUND::contains).orElse(false);
    }

    /**
     * Classifies an AWS error.
     *
     * @param e             the AWS error an RDS/DocumentDB call threw
     * @param targetAccount the account that must be able to use the KMS key (the plan's target account),
     *                      or {@code null}
     * @return what it means, with a stable error code and a message that says what to change
     */
    public static Problem classify(AwsServiceException e, String targetAccount) {
        String code = code(e).orElse(null);
        String awsMessage = awsMessage(e);
        String lower = awsMessage.toLowerCase(Locale.ROOT);
        String account = targetAccount == null ? "the target account" : "account " + targetAccount;
        if ("KMSKeyNotAccessibleFault".equals(code) || "KMSKeyNotAccessible".equals(code)
                || ("InvalidParameterValue".equals(code) || "InvalidParameterCombination".equals(code))
                && (lower.contains("kms") || lower.contains("key"))) {
            return new Problem(code, ErrorCode.KMS_KEY_NOT_ACCESSIBLE, "AWS refused the KMS key (" + code + ": "
                    + awsMessage + "). The target KMS key's policy must allow " + account + " (kms:CreateGrant,"
                    + " kms:Decrypt, kms:DescribeKey); the default aws/rds key cannot be shared across accounts, so the"
                    + " source snapshot must be encrypted with a customer managed key; give the key ARN, not its id or"
                    + " alias, in target.kms-key-id", false);
        }
        if (code != null && QUOTA.contains(code) && (lower.contains("concurrent") || lower.contains("in progress")
                || lower.contains("cross-region") || lower.contains("cross region"))) {
            return new Problem(code, ErrorCode.COPY_LIMIT_REACHED,
                    "RDS allows at most 5 concurrent cross-region snapshot copies"
                    + " per destination region (" + code + ": " + awsMessage + "); retried later with backoff", true);
        }
        if (code != null && QUOTA.contains(code)) {
            return new Problem(code, ErrorCode.SNAPSHOT_QUOTA_EXCEEDED,
                    "the target account has reached its manual cluster"
                    + " snapshot quota (" + code + ": " + awsMessage + "). Delete old copies (retention.keep-copies)"
                    + " or raise the quota in Service Quotas, then start a new run", false);
        }
        ErrorCode mapped = ErrorCodes.ofAws(e);
        if (mapped == ErrorCode.AWS_THROTTLED) {
            return new Problem(code, ErrorCode.AWS_THROTTLED, "AWS throttled the call (" + code + "); the message is"
                    + " retried with backoff", true);
        }
        if (code != null && NOT_FOUND.contains(code)) {
            return new Problem(code, ErrorCode.AWS_RESOURCE_NOT_FOUND, code + ": " + awsMessage + " (treated as"
                    + " already gone where a delete was asked for)", false);
        }
        if (mapped == ErrorCode.AWS_ACCESS_DENIED) {
            return new Problem(code, ErrorCode.AWS_ACCESS_DENIED, "the service's IAM role may not make this call ("
                    + code + ": " + awsMessage + "); grant it in the role's policy", false);
        }
        // Never the wire code itself: it would break the refresh.failed schema's pattern (issue 13).
        return new Problem(code, mapped, code == null ? awsMessage : code + ": " + awsMessage, true);
    }

    private static String awsMessage(Throwable e) {
        if (e instanceof AwsServiceException aws && aws.awsErrorDetails() != null
                && aws.awsErrorDetails().errorMessage() != null) {
            return aws.awsErrorDetails().errorMessage();
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /**
     * An AWS error, understood.
     *
     * @param awsCode   the AWS wire code, or {@code null}
     * @param errorCode dbrefresh's stable code: {@link ErrorCode#KMS_KEY_NOT_ACCESSIBLE},
     *                  {@link ErrorCode#SNAPSHOT_QUOTA_EXCEEDED}, {@link ErrorCode#COPY_LIMIT_REACHED}, else the code
     *                  of the error's class from {@link ErrorCodes#ofAws} ({@code AWS_THROTTLED},
     *                  {@code AWS_RESOURCE_NOT_FOUND}, {@code AWS_ACCESS_DENIED}, {@code AWS_INVALID_STATE}, ...,
     *                  {@code AWS_ERROR}); never the AWS code itself
     * @param message   what happened and what to change
     * @param retryable whether redelivering the message can help (throttling, the concurrent copy limit,
     *                  unknown errors); {@code false} ends the run
     */
    public record Problem(String awsCode, ErrorCode errorCode, String message, boolean retryable) {
    }
}
