package dev.dbrefresh.engine.rds.mongo;

import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import dev.dbrefresh.contracts.TableRowCount;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.bson.Document;

/**
 * Counts the documents of every collection of a restored DocumentDB/MongoDB cluster: for each collection
 * ({@code listCollections}; views and {@code system.*} collections are skipped) an exact
 * {@code countDocuments({})}, which is an aggregation over the collection, not the metadata estimate of
 * {@code estimatedDocumentCount} (MongoDB driver docs, "Count Documents",
 * https://www.mongodb.com/docs/drivers/java/sync/current/usage-examples/count/).
 */
public final class MongoVerifier {

    /** Databases of the server itself, never counted when all databases are. */
    public static final Set<String> SYSTEM_DATABASES = Set.of("admin", "local", "config");

    /**
     * @param client   a client allowed to read the databases
     * @param database one database to count, or {@code null} for every database but {@link #SYSTEM_DATABASES}
     * @return one count per collection ({@code schema} = database, {@code table} = collection), ordered by
     *         database and collection name; empty when there are no collections
     * @throws IllegalStateException when listing or counting fails (cause: the {@link MongoException})
     */
    public List<TableRowCount> count(MongoClient client, String database) {
        Objects.requireNonNull(client, "client");
        try {
            List<String> databases = new ArrayList<>();
            if (database != null) {
                databases.add(database);
            } else {
                client.listDatabaseNames().forEach(d -> {
                    if (!SYSTEM_DATABASES.contains(d)) {
                        databases.add(d);
                    }
                });
            }
            databases.sort(null);
            List<TableRowCount> counts = new ArrayList<>();
            for (String d : databases) {
                MongoDatabase db = client.getDatabase(d);
                List<String> collections = new ArrayList<>();
                for (Document c : db.listCollections()) {
                    String name = c.getString("name");
                    String type = c.getString("type");
                    if (name != null && !name.startsWith("system.") && (type == null || type.equals("collection"))) {
                        collections.add(name);
                    }
                }
                collections.sort(null);
                for (String c : collections) {
                    counts.add(new TableRowCount(d, c, db.getCollection(c).countDocuments()));
                }
            }
            return counts;
        } catch (MongoException e) {
            throw new IllegalStateException("cannot count the collections of " + (database == null ? "the cluster"
                    : "database " + database) + ": " + e.getMessage() + " (code " + e.getCode() + ")", e);
        }
    }
}
