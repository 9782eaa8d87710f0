package dev.dbrefresh.contracts;

/**
 * {@code dbrefresh.refresh.failed.v1}: a service gave up on the run.
 *
 * @param plan      plan name (may be {@code "unknown"} when the start message named none)
 * @param service   service that gave up, e.g. {@code cluster-service}
 * @param step      step that failed, e.g. {@code restore}
 * @param errorCode stable machine-readable code, e.g. {@code GUARD_PROTECTED_TARGET}
 * @param message   what was wrong and what to do, for people
 * @param changed   whether anything had been changed on the target before the failure
 */
public record RefreshFailed(String plan, String service, String step, String errorCode, String message,
        boolean changed) implements DbRefreshEvent {
}
