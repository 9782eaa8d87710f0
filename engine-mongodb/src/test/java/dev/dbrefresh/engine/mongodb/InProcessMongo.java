package dev.dbrefresh.engine.mongodb;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.bson.BsonDocument;

/**
 * mongo-java-server (memory backend) in this JVM and a driver client on it that counts, per
 * {@code database.collection}, the documents the driver sent in {@code insert}, {@code update} and {@code delete}
 * commands: the writes a restore made, as the server received them. Also keeps copies of the other commands.
 */
final class InProcessMongo implements AutoCloseable {

    private static final Set<String> WRITES = Set.of("insert", "update", "delete");

    final MongoServer server = new MongoServer(new MemoryBackend());
    final MongoClient client;
    private final ConcurrentHashMap<String, AtomicLong> writes = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, List<Integer>> batches = new ConcurrentHashMap<>();
    /** Write commands sent with {@code ordered: false}. */
    final AtomicLong unordered = new AtomicLong();
    final List<BsonDocument> commands = Collections.synchronizedList(new ArrayList<>());
    /** Copies of the {@code update} commands with an update pipeline ({@code u} an array), as sent. */
    final List<BsonDocument> pipelineUpdates = Collections.synchronizedList(new ArrayList<>());

    InProcessMongo() {
        InetSocketAddress address = server.bind();
        CommandListener listener = new CommandListener() {
            @Override
            public void commandStarted(CommandStartedEvent e) {
                String name = e.getCommandName();
                BsonDocument command = e.getCommand();
                if (WRITES.contains(name)) {
                    String list = name.equals("insert") ? "documents" : name.equals("update") ? "updates" : "deletes";
                    String key = e.getDatabaseName() + "." + command.getString(name).getValue() + "." + name;
                    int size = command.getArray(list).size();
                    if (!command.getBoolean("ordered", org.bson.BsonBoolean.TRUE).getValue()) {
                        unordered.incrementAndGet();
                    }
                    writes.computeIfAbsent(key, k -> new AtomicLong()).addAndGet(size);
                    if (name.equals("update") && command.getArray(list).stream()
                            .anyMatch(u -> u.asDocument().get("u").isArray())) {
                        pipelineUpdates.add(command.clone());
                    }
                    batches.computeIfAbsent(key, k -> Collections.synchronizedList(new ArrayList<>())).add(size);
                } else {
                    commands.add(command.clone());
                }
            }
        };
        client = MongoClients.create(MongoClientSettings.builder()
                .applyConnectionString(new ConnectionString("mongodb://" + address.getHostString() + ":" + address.getPort()))
                .addCommandListener(listener).build());
    }

    MongoDatabase db(String name) {
        return client.getDatabase(name);
    }

    /**
     * @param namespace {@code database.collection}
     * @param command   {@code insert}, {@code update} or {@code delete}
     * @return documents sent in such commands since the last {@link #resetWrites()}
     */
    long writes(String namespace, String command) {
        AtomicLong n = writes.get(namespace + "." + command);
        return n == null ? 0 : n.get();
    }

    /** @return all documents sent in insert, update and delete commands to a database's collections */
    long writesTo(String database) {
        return writes.entrySet().stream().filter(e -> e.getKey().startsWith(database + ".")
                && !e.getKey().startsWith(database + "." + ProgressStore.COLLECTION + "."))
                .mapToLong(e -> e.getValue().get()).sum();
    }

    /** @return the number of documents of each write command of that kind to the namespace, in order */
    List<Integer> batches(String namespace, String command) {
        return List.copyOf(batches.getOrDefault(namespace + "." + command, List.of()));
    }

    void resetWrites() {
        writes.clear();
        batches.clear();
        unordered.set(0);
        commands.clear();
    }

    @Override
    public void close() {
        client.close();
        server.shutdownNow();
    }
}
