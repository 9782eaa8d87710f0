package dev.dbrefresh.engine.spi;

/** What a {@link RestoreEngine} step ended with. */
public sealed interface RestoreProgress {

    /**
     * The target serves the restored data.
     *
     * @param endpoint       writer endpoint host
     * @param readerEndpoint reader endpoint host
     * @param port           port
     * @param database       database name, or {@code null}
     */
    record Restored(String endpoint, String readerEndpoint, int port, String database) implements RestoreProgress {
    }

    /**
     * A delete or restore is in progress; check again later.
     *
     * @param phase {@code deleting} or {@code restoring}
     * @param what  what is awaited, for the audit log
     */
    record Waiting(String phase, String what) implements RestoreProgress {
    }

    /**
     * The run cannot go on.
     *
     * @param step      step that refused
     * @param errorCode stable error code, e.g. {@code GUARD_MISSING_TAG}
     * @param message   what was wrong and what to do
     */
    record Refused(String step, String errorCode, String message) implements RestoreProgress {
    }
}
