package dev.dbrefresh.runtime.plan;

import java.nio.file.Path;
import java.util.List;

/**
 * The {@code mongodb} engine's part of a plan: a self-managed MongoDB database refreshed from a dump in
 * mongodump's directory layout (engine-mongodb).
 *
 * @param source            the production database (read only); {@link DatabaseEndpoint#username()} is
 *                          {@code null} where the server needs no authentication
 * @param target            the database that is replaced
 * @param sourceStore       source side snapshot store directory (one dump directory per snapshot id)
 * @param targetStore       target side snapshot store directory (copies live here)
 * @param restoreMode       {@link #REPLACE} (staging collections renamed over the target's) or {@link #DELTA}
 *                          (the fewest writes: a merge join by {@code _id}); plan key {@code restore.mode}
 * @param parallelism       collections restored at the same time, 1 to 64; plan key {@code restore.jobs}
 * @param collections       collections dumped, by name; empty for all (unless {@code collectionPattern} is set)
 * @param collectionPattern regular expression that a dumped collection's whole name matches, or {@code null};
 *                          never set together with {@code collections}
 */
public record MongoSettings(DatabaseEndpoint source, DatabaseEndpoint target, Path sourceStore, Path targetStore,
        String restoreMode, int parallelism, List<String> collections, String collectionPattern)
        implements EngineSettings {

    /** {@link #restoreMode()}: restore into staging collections, then rename them over the target's. */
    public static final String REPLACE = "replace";
    /** {@link #restoreMode()}: bring the target's collections to the dump's content with the fewest writes. */
    public static final String DELTA = "delta";
    /** The restore modes, as plans spell them. */
    public static final List<String> RESTORE_MODES = List.of(REPLACE, DELTA);

    /** Copies the collection list. */
    public MongoSettings {
        collections = List.copyOf(collections);
    }

    /**
     * @param endpoint a MongoDB database
     * @return {@code mongodb://host:port/database}, for logs and manifests (no credentials)
     */
    public static String display(DatabaseEndpoint endpoint) {
        return "mongodb://" + endpoint.host() + ":" + endpoint.port() + "/" + endpoint.database();
    }

    /** @return {@code mongodb://host:port/database} of the target */
    @Override
    public String targetId() {
        return display(target);
    }

    /** @return {@code mongodb://host:port/database} of the source */
    @Override
    public String sourceId() {
        return display(source);
    }
}
