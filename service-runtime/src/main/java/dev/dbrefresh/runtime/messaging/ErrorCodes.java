package dev.dbrefresh.runtime.messaging;

import java.util.Locale;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

/** Turns exceptions into the stable error codes and messages of the audit log and failure events. */
public final class ErrorCodes {

    private ErrorCodes() {
    }

    /**
     * @param e an exception
     * @return the AWS error code for AWS errors (e.g. {@code DBClusterNotFoundFault}), else the exception
     *         class in upper snake case (e.g. {@code PG_TOOL_EXCEPTION})
     */
    public static String of(Throwable e) {
        if (e instanceof AwsServiceException aws && aws.awsErrorDetails() != null
                && aws.awsErrorDetails().errorCode() != null) {
            return aws.awsErrorDetails().errorCode();
        }
        return e.getClass().getSimpleName().replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
    }

    /**
     * @param e an exception
     * @return a one-line description, at most 1000 characters
     */
    public static String describe(Throwable e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        m = m.replace('\n', ' ');
        return m.length() > 1000 ? m.substring(0, 1000) + "..." : m;
    }
}
