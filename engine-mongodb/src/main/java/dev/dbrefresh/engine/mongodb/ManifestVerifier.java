package dev.dbrefresh.engine.mongodb;

import com.mongodb.MongoException;
import com.mongodb.client.MongoCursor;
import com.mongodb.client.MongoDatabase;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.bson.RawBsonDocument;

/**
 * Verifies a database against a {@link DumpManifest}: for every collection of the manifest, the document count
 * and the {@link DocumentDigest} checksum of the documents the server returns (read in full, as raw BSON, one
 * batch at a time). A view is checked for existence only (its content is computed). A time-series collection is
 * checked through its {@code system.buckets} collection, as it was dumped.
 */
public final class ManifestVerifier {

    /**
     * One collection's check.
     *
     * @param name             collection name
     * @param expectedCount    documents in the manifest
     * @param actualCount      documents in the database (-1 when the collection is missing)
     * @param expectedChecksum checksum in the manifest
     * @param actualChecksum   checksum of the database's documents ({@code null} when missing)
     */
    public record Check(String name, long expectedCount, long actualCount, String expectedChecksum,
            String actualChecksum) {
        /** @return whether count and checksum agree */
        public boolean ok() {
            return expectedCount == actualCount && Objects.equals(expectedChecksum, actualChecksum);
        }
    }

    /**
     * The outcome of a verification.
     *
     * @param checks     one per collection of the manifest, in its order
     * @param unexpected collections of the database that the manifest does not list (not {@code system.*} or
     *                   dbrefresh's own)
     */
    public record Report(List<Check> checks, List<String> unexpected) {
        /** @return names of the collections whose count or checksum differ, or that are missing */
        public List<String> mismatched() {
            return checks.stream().filter(c -> !c.ok()).map(Check::name).toList();
        }

        /** @return whether every collection agrees and none is unexpected */
        public boolean ok() {
            return mismatched().isEmpty() && unexpected.isEmpty();
        }

        /**
         * @throws MongoEngineException naming the mismatched and unexpected collections, unless {@link #ok()}
         */
        public void requireOk() {
            if (!ok()) {
                StringBuilder b = new StringBuilder("verification failed:");
                for (Check c : checks) {
                    if (!c.ok()) {
                        b.append(" ").append(c.name()).append(" (documents ").append(c.actualCount()).append(" of ")
                                .append(c.expectedCount()).append(", checksum ").append(c.actualChecksum())
                                .append(" vs ").append(c.expectedChecksum()).append(");");
                    }
                }
                if (!unexpected.isEmpty()) {
                    b.append(" not in the manifest: ").append(unexpected);
                }
                String first = mismatched().isEmpty() ? unexpected.get(0) : mismatched().get(0);
                throw new MongoEngineException(first, null, b.toString(), null);
            }
        }
    }

    /**
     * @param database the database to check
     * @param manifest what it should hold
     * @return the report; mismatches are data, not exceptions ({@link Report#requireOk()} turns them into one)
     * @throws MongoEngineException naming the collection when the server fails to list or read it
     */
    public Report verify(MongoDatabase database, DumpManifest manifest) {
        Set<String> present = new TreeSet<>();
        try {
            database.listCollectionNames().into(present);
        } catch (MongoException e) {
            throw new MongoEngineException(null, null, "cannot list the collections of " + database.getName() + ": "
                    + e.getMessage(), e);
        }
        List<Check> checks = new ArrayList<>();
        Set<String> listed = new TreeSet<>();
        for (DumpManifest.Entry e : manifest.collections()) {
            listed.add(e.name());
            if (!present.contains(e.name())) {
                checks.add(new Check(e.name(), e.documents(), -1, e.checksum(), null));
            } else if (CollectionMetadata.VIEW.equals(e.type())) {
                checks.add(new Check(e.name(), e.documents(), 0, e.checksum(), new DocumentDigest().checksum()));
            } else {
                String source = CollectionMetadata.TIMESERIES.equals(e.type()) ? DumpLayout.BUCKETS_PREFIX + e.name() : e.name();
                DocumentDigest d = digest(database, source);
                checks.add(new Check(e.name(), e.documents(), d.count(), e.checksum(), d.checksum()));
            }
        }
        List<String> unexpected = present.stream().filter(n -> !listed.contains(n) && !n.startsWith("system.")
                && !n.equals(ProgressStore.COLLECTION)).toList();
        return new Report(checks, unexpected);
    }

    /**
     * @param database   a database
     * @param collection one of its collections
     * @return the digest of its documents as the server returns them
     * @throws MongoEngineException naming the collection when reading fails
     */
    public static DocumentDigest digest(MongoDatabase database, String collection) {
        DocumentDigest d = new DocumentDigest();
        try (MongoCursor<RawBsonDocument> c = database.getCollection(collection, RawBsonDocument.class).find()
                .batchSize(1000).iterator()) {
            c.forEachRemaining(d::add);
        } catch (MongoException e) {
            throw new MongoEngineException(collection, null, "cannot read: " + e.getMessage(), e);
        }
        return d;
    }
}
