package dev.dbrefresh.runtime.plan;

import java.nio.file.Path;

/**
 * The {@code postgres} engine's part of a plan.
 *
 * @param source      the production database (read only)
 * @param target      the database that is replaced
 * @param sourceStore source side snapshot store directory
 * @param targetStore target side snapshot store directory (copies live here)
 * @param restoreJobs parallel jobs of the restore ({@code pg_restore -j}), 1 to 64
 * @param templateFastPath plan key {@code fast-path: template}: the restore keeps a pristine copy of the restored
 *                    snapshot on the target server ({@code <target>__dbrefresh_pristine}) and a restore of the same
 *                    snapshot again (a reset) copies it as a template instead of running {@code pg_restore}
 * @param sanitize    masking, isolation and content verification of the restored copy, before the swap
 * @param cloneRun    a clone run ({@link CloneSettings}: {@code target} is then the clone {@code <of>_<name>}), or
 *                    {@code null} for a refresh or reset of the plan's own target
 */
public record PostgresSettings(DatabaseEndpoint source, DatabaseEndpoint target, Path sourceStore, Path targetStore,
        int restoreJobs, boolean templateFastPath, SanitizeSettings sanitize, CloneSettings cloneRun)
        implements EngineSettings {

    /**
     * Settings of a run on the plan's own target (no clone).
     *
     * @param source           the production database
     * @param target           the database that is replaced
     * @param sourceStore      source side snapshot store directory
     * @param targetStore      target side snapshot store directory
     * @param restoreJobs      parallel jobs of the restore
     * @param templateFastPath whether a pristine copy is kept
     * @param sanitize         masking, isolation and verification
     */
    public PostgresSettings(DatabaseEndpoint source, DatabaseEndpoint target, Path sourceStore, Path targetStore,
            int restoreJobs, boolean templateFastPath, SanitizeSettings sanitize) {
        this(source, target, sourceStore, targetStore, restoreJobs, templateFastPath, sanitize, null);
    }

    /** @return the database whose pristine copy this run uses: the clone's origin, else the target */
    public String pristineOf() {
        return cloneRun != null ? cloneRun.of() : target.database();
    }

    /**
     * Settings without the template fast path and without {@code sanitize:} ({@link SanitizeSettings#DEFAULT}:
     * isolation on, no masks).
     *
     * @param source      the production database
     * @param target      the database that is replaced
     * @param sourceStore source side snapshot store directory
     * @param targetStore target side snapshot store directory
     * @param restoreJobs parallel jobs of the restore
     */
    public PostgresSettings(DatabaseEndpoint source, DatabaseEndpoint target, Path sourceStore, Path targetStore,
            int restoreJobs) {
        this(source, target, sourceStore, targetStore, restoreJobs, false, SanitizeSettings.DEFAULT);
    }

    @Override
    public String targetId() {
        return target.display();
    }

    @Override
    public String sourceId() {
        return source.display();
    }
}
