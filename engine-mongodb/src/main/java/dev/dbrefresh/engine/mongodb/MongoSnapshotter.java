package dev.dbrefresh.engine.mongodb;

import com.mongodb.ClientSessionOptions;
import com.mongodb.MongoException;
import com.mongodb.client.ClientSession;
import com.mongodb.client.FindIterable;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.MongoDatabase;
import com.mongodb.connection.ClusterDescription;
import com.mongodb.connection.ClusterType;
import com.mongodb.connection.ServerDescription;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;

/**
 * Dumps a database to a directory in mongodump's layout ({@link DumpLayout}), so that {@code mongorestore} can
 * restore it and {@link MongoRestorer} restores it and directories written by mongodump alike, and writes a
 * {@link DumpManifest} beside it. Documents are streamed as {@link RawBsonDocument}s from a cursor to the file: a
 * collection is never held in memory.
 *
 * <h2>Point in time</h2>
 * On a replica set or sharded cluster whose servers support snapshot reads (wire version 13, MongoDB 5.0, and
 * later) every collection is read in one causally consistent session with {@code readConcern: snapshot}: the
 * first read picks a cluster time and every later read of the dump reads at that {@code atClusterTime}
 * (https://www.mongodb.com/docs/manual/reference/read-concern-snapshot/); the manifest records it. Such reads are
 * bounded by the server's {@code minSnapshotHistoryWindowInSeconds} (300 s by default): a longer dump fails with
 * {@code SnapshotTooOld}, which {@link PointInTime#REQUIRE} reports and {@link PointInTime#PREFER} does not work
 * around. On a standalone server (and on mongo-java-server, which has no sessions) there is <em>no</em> common
 * point in time: each collection is read by its own cursor, in natural order, and writes made during the dump may
 * or may not be in it; the manifest records {@link DumpManifest#NONE} and the reason. The snapshot-session path
 * is not exercised by this module's tests: mongo-java-server, the only server available to them, has no sessions
 * and reports itself as a standalone.
 *
 * <h2>What is dumped</h2>
 * Every selected collection ({@code listCollections}): ordinary collections with their options and indexes, views
 * as metadata only ({@code viewOn}, {@code pipeline}), time-series collections with their options and the
 * documents of their {@code system.buckets.<name>} collection (as mongodump does). Other {@code system.*}
 * collections are skipped and listed in the manifest. (mongo-java-server has no views and no time-series
 * collections, so those two cases are tested with dumps in mongodump's layout, not with dumps of a server.)
 */
public final class MongoSnapshotter {

    /** How strictly the dump must be one point in time. */
    public enum PointInTime {
        /** A snapshot read where the server supports it, else none (recorded in the manifest). */
        PREFER,
        /** A snapshot read or a {@link MongoEngineException} before anything is written. */
        REQUIRE
    }

    /**
     * Settings of one dump.
     *
     * @param selector    which collections to dump
     * @param gzip        whether to gzip every file ({@code mongodump --gzip})
     * @param pointInTime    how strictly one point in time is required
     * @param sourceIdentity the source's identity recorded in the manifest
     *                       ({@link DumpManifest#sourceIdentity()}), or {@code null}
     */
    public record Options(CollectionSelector selector, boolean gzip, PointInTime pointInTime, String sourceIdentity) {
        /** Checks the components. */
        public Options {
            Objects.requireNonNull(selector, "selector");
            Objects.requireNonNull(pointInTime, "pointInTime");
        }

        /**
         * Options that record no source identity.
         *
         * @param selector    which collections to dump
         * @param gzip        whether to gzip every file
         * @param pointInTime how strictly one point in time is required
         */
        public Options(CollectionSelector selector, boolean gzip, PointInTime pointInTime) {
            this(selector, gzip, pointInTime, null);
        }

        /** @return every collection, not gzipped, a snapshot read where possible */
        public static Options defaults() {
            return new Options(CollectionSelector.all(), false, PointInTime.PREFER);
        }
    }

    private static final int SNAPSHOT_READ_WIRE_VERSION = 13;

    private final Clock clock;

    /** A snapshotter on the system clock. */
    public MongoSnapshotter() {
        this(Clock.systemUTC());
    }

    /** @param clock the clock the manifest's {@code createdAt} comes from */
    public MongoSnapshotter(Clock clock) {
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Dumps a database.
     *
     * @param client   a client allowed to read the database
     * @param database the database to dump
     * @param root     the dump's root directory (created if needed); the data goes to {@code root/<database>/},
     *                 which must not exist yet or be empty
     * @param options  what and how to dump
     * @return the manifest, also written to {@code root/}{@value DumpLayout#MANIFEST_FILE}
     * @throws MongoEngineException naming the collection when reading it or writing its files fails, or when
     *                              {@link PointInTime#REQUIRE} cannot be met
     */
    public DumpManifest dump(MongoClient client, String database, Path root, Options options) {
        Path dbDir = root.resolve(database);
        try {
            Files.createDirectories(dbDir);
            try (var listing = Files.list(dbDir)) {
                if (listing.findAny().isPresent()) {
                    throw new MongoEngineException(null, dbDir, "the dump directory is not empty", null);
                }
            }
        } catch (IOException e) {
            throw new MongoEngineException(null, dbDir, "cannot create the dump directory: " + e.getMessage(), e);
        }
        MongoDatabase db = client.getDatabase(database);
        List<BsonDocument> listed = new ArrayList<>();
        try {
            db.listCollections(BsonDocument.class).into(listed);
        } catch (MongoException e) {
            throw new MongoEngineException(null, null, "cannot list the collections of " + database + ": "
                    + e.getMessage(), e);
        }
        List<BsonDocument> taken = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        select(listed, options.selector(), taken, skipped);
        String detail;
        String pointInTime;
        ClientSession session = null;
        if (supportsSnapshotReads(client)) {
            session = client.startSession(ClientSessionOptions.builder().snapshot(true).build());
            pointInTime = DumpManifest.SNAPSHOT;
            detail = null;
        } else {
            if (options.pointInTime() == PointInTime.REQUIRE) {
                throw new MongoEngineException(null, null, "a point-in-time dump was required, but the server ("
                        + client.getClusterDescription().getShortDescription()
                        + ") supports no snapshot reads (a replica set or sharded cluster of MongoDB 5.0 or later "
                        + "is needed)", null);
            }
            pointInTime = DumpManifest.NONE;
            detail = "no snapshot reads on this deployment (" + client.getClusterDescription().getType()
                    + "): each collection was read by its own cursor at its own time";
        }
        try {
            java.time.Instant started = clock.instant();
            List<DumpManifest.Entry> entries = new ArrayList<>();
            for (BsonDocument c : taken) {
                entries.add(dumpCollection(db, session, dbDir, c, options.gzip()));
            }
            if (session != null) {
                BsonTimestamp at = session.getSnapshotTimestamp();
                detail = at == null ? "snapshot session (no read made)"
                        : "atClusterTime " + at.getTime() + "," + at.getInc();
            }
            DumpManifest manifest = new DumpManifest(database, started, pointInTime, detail, options.gzip(), entries,
                    skipped, options.sourceIdentity());
            manifest.write(root);
            return manifest;
        } catch (IOException e) {
            throw new MongoEngineException(null, root, "cannot write the manifest: " + e.getMessage(), e);
        } finally {
            if (session != null) {
                session.close();
            }
        }
    }

    private DumpManifest.Entry dumpCollection(MongoDatabase db, ClientSession session, Path dbDir, BsonDocument listed,
            boolean gzip) {
        String name = listed.getString("name").getValue();
        Path file = null;
        try {
            List<BsonDocument> indexes = new ArrayList<>();
            boolean view = CollectionMetadata.VIEW.equals(listed.getString("type", new org.bson.BsonString("")).getValue());
            if (!view) {
                db.getCollection(name).listIndexes(BsonDocument.class).into(indexes);
            }
            CollectionMetadata metadata = CollectionMetadata.of(listed, indexes);
            file = DumpLayout.metadataFile(dbDir, name, gzip);
            metadata.write(file);
            DocumentDigest digest = new DocumentDigest();
            if (!metadata.isView()) {
                String source = metadata.isTimeseries() ? DumpLayout.BUCKETS_PREFIX + name : name;
                file = DumpLayout.bsonFile(dbDir, source, gzip);
                var collection = db.getCollection(source, RawBsonDocument.class);
                FindIterable<RawBsonDocument> find = session == null ? collection.find() : collection.find(session);
                try (OutputStream out = new BufferedOutputStream(DumpLayout.create(file), 1 << 16);
                        MongoCursor<RawBsonDocument> cursor = find.batchSize(1000).iterator()) {
                    while (cursor.hasNext()) {
                        RawBsonDocument d = cursor.next();
                        digest.add(d);
                        ByteBuffer buf = d.getByteBuffer().asNIO();
                        out.write(buf.array(), buf.arrayOffset() + buf.position(), buf.remaining());
                    }
                }
            }
            return new DumpManifest.Entry(name, metadata.type(), digest.count(), digest.bytes(), digest.checksum());
        } catch (IOException e) {
            throw new MongoEngineException(name, file, "cannot write: " + e.getMessage(), e);
        } catch (MongoException e) {
            throw new MongoEngineException(name, file, "cannot read from the server: " + e.getMessage()
                    + " (code " + e.getCode() + ")", e);
        }
    }

    /**
     * Splits a {@code listCollections} answer into the collections to dump and the {@code system.*} ones skipped.
     *
     * @param listed   the entries, in any order
     * @param selector the plan's selection
     * @param taken    receives the selected non-system entries, ordered by name
     * @param skipped  receives the names of the {@code system.*} collections, ordered by name
     */
    static void select(List<BsonDocument> listed, CollectionSelector selector, List<BsonDocument> taken,
            List<String> skipped) {
        List<BsonDocument> sorted = new ArrayList<>(listed);
        sorted.sort(Comparator.comparing(d -> d.getString("name").getValue()));
        for (BsonDocument c : sorted) {
            String name = c.getString("name").getValue();
            if (name.startsWith("system.")) {
                skipped.add(name);
            } else if (selector.test(name)) {
                taken.add(c);
            }
        }
    }

    /**
     * @param client a client
     * @return whether the deployment is a replica set or sharded cluster whose servers all speak wire version 13
     *         or later and support sessions (then a snapshot read concern is available)
     */
    static boolean supportsSnapshotReads(MongoClient client) {
        client.getDatabase("admin").runCommand(new BsonDocument("ping", new BsonInt32(1)));
        ClusterDescription cluster = client.getClusterDescription();
        if (cluster.getType() != ClusterType.REPLICA_SET && cluster.getType() != ClusterType.SHARDED) {
            return false;
        }
        if (cluster.getLogicalSessionTimeoutMinutes() == null) {
            return false;
        }
        List<ServerDescription> servers = cluster.getServerDescriptions();
        return !servers.isEmpty() && servers.stream().filter(ServerDescription::isOk)
                .allMatch(s -> s.getMaxWireVersion() >= SNAPSHOT_READ_WIRE_VERSION);
    }
}
