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
 * @param sourceConnection  how the source is connected to beyond host and port (connection string secret, TLS)
 * @param targetConnection  the same for the target
 * @param batchDocuments    most operations in one bulk write of a restore, 1 to 100,000; plan key
 *                          {@code restore.batch-documents} (default {@value #DEFAULT_BATCH_DOCUMENTS})
 * @param batchBytes        most bytes of documents in one bulk write of a restore, 1 KiB to 48 MiB (MongoDB's
 *                          largest message, {@code maxMessageSizeBytes}); plan key {@code restore.batch-bytes}
 *                          (default {@value #DEFAULT_BATCH_BYTES})
 * @param sanitize          the plan's {@code sanitize:} key ({@link SanitizeSettings}): masks of collections and
 *                          fields (replace mode only) and isolation of the target database's users
 */
public record MongoSettings(DatabaseEndpoint source, DatabaseEndpoint target, Path sourceStore, Path targetStore,
        String restoreMode, int parallelism, List<String> collections, String collectionPattern,
        Connection sourceConnection, Connection targetConnection, int batchDocuments, long batchBytes,
        SanitizeSettings sanitize)
        implements EngineSettings {

    /** {@link #batchDocuments()} when the plan does not set it. */
    public static final int DEFAULT_BATCH_DOCUMENTS = 1000;
    /** {@link #batchBytes()} when the plan does not set it: 8 MiB. */
    public static final long DEFAULT_BATCH_BYTES = 8L << 20;

    /**
     * How an endpoint is connected to beyond its host and port, from the plan's {@code source}/{@code target}
     * ({@code uri-secret}, {@code tls: {enabled, ca-file, allow-invalid-hostnames}}).
     *
     * @param uriSecret                secret reference (as for passwords: {@code env:}, {@code file:}, a Secrets
     *                                 Manager ARN) of a MongoDB connection string
     *                                 (https://www.mongodb.com/docs/manual/reference/connection-string/), which holds
     *                                 credentials, {@code authSource}, {@code replicaSet}, TLS and timeouts; its hosts
     *                                 must include the plan's {@code host:port}, and the plan's {@code database} is
     *                                 the one refreshed; or {@code null}: host, port, username and password-secret
     * @param tls                      whether TLS is required (also when the connection string does not ask for it)
     * @param tlsCaFile                PEM file of the certificate authorities the server's certificate must chain
     *                                 to (e.g. Amazon DocumentDB's {@code global-bundle.pem}), or {@code null} for the
     *                                 JVM's trust store; only with {@code tls}
     * @param tlsAllowInvalidHostnames whether a certificate for another host name is accepted (only for servers
     *                                 reached through a tunnel); only with {@code tls}
     */
    public record Connection(String uriSecret, boolean tls, Path tlsCaFile, boolean tlsAllowInvalidHostnames) {

        /** Host, port and the endpoint's credentials, no TLS. */
        public static final Connection PLAIN = new Connection(null, false, null, false);
    }

    /**
     * Settings without masks, with isolation on ({@link SanitizeSettings#DEFAULT}).
     *
     * @param source            the production database
     * @param target            the database that is replaced
     * @param sourceStore       source side snapshot store directory
     * @param targetStore       target side snapshot store directory
     * @param restoreMode       {@link #REPLACE} or {@link #DELTA}
     * @param parallelism       collections restored at the same time
     * @param collections       collections dumped; empty for all
     * @param collectionPattern regular expression of the dumped collections, or {@code null}
     * @param sourceConnection  how the source is connected to
     * @param targetConnection  how the target is connected to
     * @param batchDocuments    most operations in one bulk write
     * @param batchBytes        most bytes in one bulk write
     */
    public MongoSettings(DatabaseEndpoint source, DatabaseEndpoint target, Path sourceStore, Path targetStore,
            String restoreMode, int parallelism, List<String> collections, String collectionPattern,
            Connection sourceConnection, Connection targetConnection, int batchDocuments, long batchBytes) {
        this(source, target, sourceStore, targetStore, restoreMode, parallelism, collections, collectionPattern,
                sourceConnection, targetConnection, batchDocuments, batchBytes, SanitizeSettings.DEFAULT);
    }

    /**
     * Settings without connection strings or TLS, with the default batch bounds.
     *
     * @param source            the production database
     * @param target            the database that is replaced
     * @param sourceStore       source side snapshot store directory
     * @param targetStore       target side snapshot store directory
     * @param restoreMode       {@link #REPLACE} or {@link #DELTA}
     * @param parallelism       collections restored at the same time
     * @param collections       collections dumped; empty for all
     * @param collectionPattern regular expression of the dumped collections, or {@code null}
     */
    public MongoSettings(DatabaseEndpoint source, DatabaseEndpoint target, Path sourceStore, Path targetStore,
            String restoreMode, int parallelism, List<String> collections, String collectionPattern) {
        this(source, target, sourceStore, targetStore, restoreMode, parallelism, collections, collectionPattern,
                Connection.PLAIN, Connection.PLAIN, DEFAULT_BATCH_DOCUMENTS, DEFAULT_BATCH_BYTES);
    }

    /** {@link #restoreMode()}: restore into staging collections, then rename them over the target's. */
    public static final String REPLACE = "replace";
    /** {@link #restoreMode()}: bring the target's collections to the dump's content with the fewest writes. */
    public static final String DELTA = "delta";
    /**
     * Why {@link #DELTA} and masks are refused together (at plan load and for a per-run {@code restore.mode}): a
     * delta writes into the live collections, so unmasked documents would be visible between the write and the
     * mask, and every masked document differs from the dump, so each refresh would rewrite all of them.
     */
    public static final String DELTA_WITH_MASKS = "restore.mode delta cannot be used with sanitize.masks: a delta"
            + " writes into the live collections (unmasked documents would be visible until masked) and every masked"
            + " document differs from the snapshot, so each refresh would rewrite them all; use restore.mode: replace"
            + " (masks run on the staging collections before the renames) or remove the masks";
    /** The restore modes, as plans spell them. */
    public static final List<String> RESTORE_MODES = List.of(REPLACE, DELTA);

    /** Copies the collection list. */
    public MongoSettings {
        collections = List.copyOf(collections);
        sourceConnection = sourceConnection == null ? Connection.PLAIN : sourceConnection;
        targetConnection = targetConnection == null ? Connection.PLAIN : targetConnection;
        sanitize = sanitize == null ? SanitizeSettings.DEFAULT : sanitize;
    }

    /**
     * The collection a mask names: {@code table:} as written (the plans file's {@code schema.table} split is
     * joined again, since MongoDB collection names may hold dots).
     *
     * @param mask one entry of {@code sanitize.masks}
     * @return the collection's name
     */
    public static String collectionOf(SanitizeSettings.TableMask mask) {
        return "public".equals(mask.schema()) ? mask.table() : mask.schema() + "." + mask.table();
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
