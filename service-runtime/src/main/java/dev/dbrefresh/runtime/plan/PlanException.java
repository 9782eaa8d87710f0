package dev.dbrefresh.runtime.plan;

/**
 * A plan that cannot be used: missing from the plans file, or with a missing or invalid field. The
 * message names the plan, the field and what to write instead.
 */
public class PlanException extends RuntimeException {

    /** @param message what is wrong and how to fix it */
    public PlanException(String message) {
        super(message);
    }
}
