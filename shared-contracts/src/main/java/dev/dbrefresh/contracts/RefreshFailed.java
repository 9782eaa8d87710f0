package dev.dbrefresh.contracts;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * {@code dbrefresh.refresh.failed.v1}: a service gave up on the run.
 *
 * <p>A value of this record always matches its JSON Schema ({@code dbrefresh.refresh.failed.v1.json}): the
 * constructor is the last line of defence against a code that is not one of dbrefresh's own. An error code
 * that does not match {@link #ERROR_CODE} (e.g. an AWS wire code such as {@code ResourceNotFoundException}
 * that reached here unmapped) is turned into upper snake case ({@code RESOURCE_NOT_FOUND_EXCEPTION}) and the
 * original is kept at the end of the message; blank texts get a placeholder. Without this a consumer
 * dead-letters the event, nobody is told of the failure and the target's lease stays held (issue 13).
 *
 * @param plan      plan name ({@code "unknown"} when the start message named none, or it was blank)
 * @param service   service that gave up, e.g. {@code cluster-service}
 * @param step      step that failed, a {@link StepName#id()} (or {@code <id>:<instance>}), e.g. {@code restore}
 * @param errorCode stable machine-readable code matching {@link #ERROR_CODE}: an {@link ErrorCode#code()}, e.g.
 *                  {@code GUARD_PROTECTED_TARGET}, or one derived from an exception's class
 * @param message   what was wrong and what to do, for people
 * @param changed   whether anything had been changed on the target before the failure
 */
public record RefreshFailed(String plan, String service, String step, String errorCode, String message,
        boolean changed) implements DbRefreshEvent {

    /** The schema's pattern of {@code data.errorCode}: upper snake case, starting with a letter. */
    public static final Pattern ERROR_CODE = Pattern.compile("^[A-Z][A-Z0-9_]*$");

    /** Normalizes the fields the schema constrains; see the type's description. */
    public RefreshFailed {
        String given = errorCode;
        errorCode = normalizeErrorCode(errorCode);
        message = message == null || message.isBlank() ? "no message was given" : message;
        if (given != null && !given.equals(errorCode)) {
            message = message + " (original error code: " + given + ")";
        }
        plan = plan == null || plan.isBlank() ? "unknown" : plan;
        service = service == null || service.isBlank() ? "unknown" : service;
        step = step == null || step.isBlank() ? "unknown" : step;
    }

    /**
     * @param code any error code, possibly {@code null}
     * @return {@code code} itself when it matches {@link #ERROR_CODE}; else the code in upper snake case
     *         ({@code ResourceNotFoundException} → {@code RESOURCE_NOT_FOUND_EXCEPTION},
     *         {@code AWS.SimpleQueueService.NonExistentQueue} → {@code AWS_SIMPLE_QUEUE_SERVICE_NON_EXISTENT_QUEUE}),
     *         prefixed with {@code E_} when it does not start with a letter; {@link ErrorCode#UNKNOWN_ERROR} when
     *         nothing usable is left
     */
    public static String normalizeErrorCode(String code) {
        if (code == null) {
            return ErrorCode.UNKNOWN_ERROR.code();
        }
        if (ERROR_CODE.matcher(code).matches()) {
            return code;
        }
        String snake = code.replaceAll("([a-z0-9])([A-Z])", "$1_$2")
                .replaceAll("([A-Z]+)([A-Z][a-z])", "$1_$2")
                .toUpperCase(Locale.ROOT)
                .replaceAll("[^A-Z0-9]+", "_")
                .replaceAll("^_+|_+$", "");
        if (snake.isEmpty()) {
            return ErrorCode.UNKNOWN_ERROR.code();
        }
        if (!Character.isLetter(snake.charAt(0))) {
            snake = "E_" + snake;
        }
        return snake.length() > 100 ? snake.substring(0, 100).replaceAll("_+$", "") : snake;
    }
}
