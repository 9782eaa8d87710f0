package dev.dbrefresh.engine.mongodb.testing;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import org.bson.BsonDocument;
import org.bson.BsonString;

/**
 * A mongo-java-server in this JVM on a free port with a backend of the test's choosing (for example
 * {@link UserCommandsBackend}), and a driver client of it that records every command it sends (a
 * {@link CommandListener}). Close it after the test.
 */
public final class MongoWire implements AutoCloseable {

    /** The driver's own commands, left out of {@link #sent()}. */
    private static final Set<String> DRIVER_HOUSEKEEPING = Set.of("hello", "ismaster", "isMaster", "buildInfo",
            "endSessions", "saslStart", "saslContinue");

    private final MongoServer server;
    private final MongoClient client;
    /** Command name and a copy of the command (the event's own document is only valid during the callback). */
    private final List<Map.Entry<String, BsonDocument>> commands = Collections.synchronizedList(new ArrayList<>());

    private MongoWire(MemoryBackend backend, BiFunction<String, Integer, MongoClientSettings.Builder> settings) {
        server = new MongoServer(backend);
        InetSocketAddress address = server.bind();
        client = MongoClients.create(settings.apply(address.getHostString(), address.getPort())
                .addCommandListener(new CommandListener() {
                    @Override
                    public void commandStarted(CommandStartedEvent event) {
                        commands.add(Map.entry(event.getCommandName(), BsonDocument.parse(event.getCommand().toJson())));
                    }
                }).build());
    }

    /**
     * @param backend the server's backend
     * @return the server and a client with the driver's default settings
     */
    public static MongoWire start(MemoryBackend backend) {
        return start(backend, (host, port) -> MongoClientSettings.builder()
                .applyConnectionString(new ConnectionString("mongodb://" + host + ":" + port)));
    }

    /**
     * @param backend  the server's backend
     * @param settings the client's settings for the server's host and port (the code under test's own, say)
     * @return the server and a client made with those settings
     */
    public static MongoWire start(MemoryBackend backend, BiFunction<String, Integer, MongoClientSettings.Builder> settings) {
        return new MongoWire(backend, settings);
    }

    /** @return the client */
    public MongoClient client() {
        return client;
    }

    /**
     * The commands sent as the command listener saw them, without the driver's own housekeeping and session fields
     * ({@code lsid}, {@code $readPreference}). The driver redacts security-sensitive commands ({@code createUser},
     * {@code updateUser}) to an empty document for listeners (MongoDB driver spec "Command Logging and Monitoring"):
     * those appear as {@code {<command>: '<redacted>'}}, to be checked by content where the server received them.
     *
     * @return the commands, oldest first
     */
    public List<BsonDocument> sent() {
        synchronized (commands) {
            return commands.stream().filter(e -> !DRIVER_HOUSEKEEPING.contains(e.getKey())).map(e -> {
                BsonDocument d = e.getValue().clone();
                d.remove("lsid");
                d.remove("$readPreference");
                return d.isEmpty() ? new BsonDocument(e.getKey(), new BsonString("<redacted>")) : d;
            }).toList();
        }
    }

    /** Forgets the commands sent so far. */
    public void clearSent() {
        commands.clear();
    }

    @Override
    public void close() {
        client.close();
        server.shutdownNow();
    }
}
