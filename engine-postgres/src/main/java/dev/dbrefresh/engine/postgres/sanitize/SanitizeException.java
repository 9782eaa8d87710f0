package dev.dbrefresh.engine.postgres.sanitize;

import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.StepName;

/**
 * Making the staging copy safe was refused or failed in a way a retry cannot fix (a mask naming a missing
 * column, a checksum that differs): the run ends with {@link #code()} in {@link #step()}. Thrown before the swap,
 * so the old target is still in place; the message never holds a secret or a value of a masked column.
 */
public final class SanitizeException extends RuntimeException {

    private final StepName step;
    private final ErrorCode code;

    /**
     * @param step    the step that refused
     * @param code    why
     * @param message what was wrong and what to do
     */
    public SanitizeException(StepName step, ErrorCode code, String message) {
        super(message);
        this.step = step;
        this.code = code;
    }

    /** @return the step that refused */
    public StepName step() {
        return step;
    }

    /** @return the error code the run ends with */
    public ErrorCode code() {
        return code;
    }
}
