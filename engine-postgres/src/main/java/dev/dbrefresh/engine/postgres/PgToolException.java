package dev.dbrefresh.engine.postgres;

/**
 * A PostgreSQL client tool ({@code pg_dump}, {@code pg_restore}, ...) is missing, could not be started,
 * exited with a non-zero code or ran past its time limit.
 *
 * <p>The message says which tool, against which endpoint (never credentials), the exit code and the
 * last lines of the tool's standard error, or what to install when the tool is missing.
 */
public class PgToolException extends RuntimeException {

    /** {@link #exitCode()} when the process never exited by itself (not found, not started, killed on timeout). */
    public static final int NO_EXIT_CODE = -1;

    /** The process exit code, or {@link #NO_EXIT_CODE}. */
    private final int exitCode;
    /** The last lines of standard error. */
    private final String stderrTail;

    /**
     * @param message what failed and how to fix it
     */
    public PgToolException(String message) {
        this(message, NO_EXIT_CODE, "", null);
    }

    /**
     * @param message    what failed and how to fix it
     * @param exitCode   the process exit code, or {@link #NO_EXIT_CODE}
     * @param stderrTail the last lines of the tool's standard error ({@code ""} when none)
     * @param cause      underlying exception, or {@code null}
     */
    public PgToolException(String message, int exitCode, String stderrTail, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
        this.stderrTail = stderrTail == null ? "" : stderrTail;
    }

    /** @return the process exit code, or {@link #NO_EXIT_CODE} when it did not exit by itself */
    public int exitCode() {
        return exitCode;
    }

    /** @return the last (at most {@link PgTools#STDERR_TAIL_LINES}) lines of standard error, joined by {@code \n} */
    public String stderrTail() {
        return stderrTail;
    }
}
