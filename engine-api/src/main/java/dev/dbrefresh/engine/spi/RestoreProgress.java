package dev.dbrefresh.engine.spi;

import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.StepName;

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
     * A rename or restore is in progress; check again later.
     *
     * @param phase {@link StepName#RENAMING} or {@link StepName#RESTORING} ({@link StepName#DELETING} from older
     *              versions' polls); the poll message carries its id
     * @param what  what is awaited, for the audit log
     */
    record Waiting(StepName phase, String what) implements RestoreProgress {
    }

    /**
     * The run cannot go on.
     *
     * @param step      step that refused, e.g. {@link StepName#RESTORE}
     * @param errorCode stable error code, e.g. {@link ErrorCode#GUARD_MISSING_TAG}
     * @param message   what was wrong and what to do
     */
    record Refused(StepName step, ErrorCode errorCode, String message) implements RestoreProgress {
    }
}
