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
 */
public record PostgresSettings(DatabaseEndpoint source, DatabaseEndpoint target, Path sourceStore, Path targetStore,
        int restoreJobs) implements EngineSettings {

    @Override
    public String targetId() {
        return target.display();
    }

    @Override
    public String sourceId() {
        return source.display();
    }
}
