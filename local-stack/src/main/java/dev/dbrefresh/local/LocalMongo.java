package dev.dbrefresh.local;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.runtime.plan.MongoSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The local stack's MongoDB: a mongo-java-server (MongoDB wire protocol, memory backend) in the launcher's JVM on
 * the port a {@code mongodb} plan names, for each of the plan's endpoints whose host is this machine
 * ({@link #LOCAL_HOSTS}) and whose port nothing listens on yet. Where something already listens (a real
 * {@code mongod}, or a server a test started with {@link #start(String, int)}), it is used as it is and never
 * seeded. A source database on a server started here is seeded with {@link ShopData}: no real {@code mongod}
 * can be installed on the machines this runs on.
 *
 * <p>The memory backend keeps nothing after the launcher stops: every {@code dbrefresh run} of a local
 * {@code mongodb} plan starts with the same (deterministically generated) source and an empty target, so its
 * restore writes every document even in {@code restore.mode=delta}. A delta that writes only what changed needs
 * one stack lifetime: {@code dbrefresh up}, then {@code dbrefresh start} twice (mongo-java-server's persistent
 * H2 backend is not among the artifacts reachable here).
 */
public final class LocalMongo implements AutoCloseable {

    /** Host names that mean this machine; only for these does the launcher start a server. */
    public static final Set<String> LOCAL_HOSTS = Set.of("127.0.0.1", "localhost", "::1");

    private final List<MongoServer> servers;

    private LocalMongo(List<MongoServer> servers) {
        this.servers = servers;
    }

    /** @return no servers: what a plan of another engine needs */
    public static LocalMongo none() {
        return new LocalMongo(List.of());
    }

    /**
     * Starts a server for each local endpoint of the plan whose port is free, and seeds the source database when
     * it was started here and has no collections.
     *
     * @param m   the plan's mongodb settings
     * @param out progress output (what was started, used and seeded)
     * @return the servers started here; {@link #close()} stops them (their data is lost)
     * @throws IllegalStateException when a port cannot be bound (the message names it and what to do)
     */
    public static LocalMongo startFor(MongoSettings m, PrintStream out) {
        Map<Integer, DatabaseEndpoint> local = new LinkedHashMap<>();
        for (DatabaseEndpoint ep : List.of(m.source(), m.target())) {
            if (LOCAL_HOSTS.contains(ep.host().toLowerCase(java.util.Locale.ROOT))) {
                local.putIfAbsent(ep.port(), ep);
            }
        }
        List<MongoServer> started = new ArrayList<>();
        Set<Integer> startedPorts = new java.util.HashSet<>();
        try {
            for (DatabaseEndpoint ep : local.values()) {
                if (listening(ep.host(), ep.port())) {
                    out.println("MongoDB at " + ep.host() + ":" + ep.port() + " is already up; used as it is (not seeded)");
                    continue;
                }
                started.add(start(ep.host(), ep.port()));
                out.println("started the in-process MongoDB server (mongo-java-server, memory backend) on " + ep.host()
                        + ":" + ep.port());
                startedPorts.add(ep.port());
            }
            if (local.get(m.source().port()) == m.source() && startedPorts.contains(m.source().port())) {
                seed(m.source(), out);
            }
        } catch (RuntimeException e) {
            started.forEach(MongoServer::shutdownNow);
            throw e;
        }
        return new LocalMongo(started);
    }

    /**
     * Starts one mongo-java-server with the memory backend.
     *
     * @param host the address to bind, e.g. {@code 127.0.0.1}
     * @param port TCP port, or 0 for a free one
     * @return the running server ({@link MongoServer#getLocalAddress()} has the port); stop it with
     *         {@link MongoServer#shutdownNow()}
     * @throws IllegalStateException when the port cannot be bound
     */
    public static MongoServer start(String host, int port) {
        MongoServer server = new MongoServer(new MemoryBackend());
        try {
            server.bind(host, port);
        } catch (Exception e) {
            // Netty throws java.net.BindException undeclared: catch it as any Exception.
            server.shutdownNow();
            throw new IllegalStateException("the in-process MongoDB server cannot listen on " + host + ":" + port + " ("
                    + e.getMessage() + "); free the port or point the plan's source and target at another one", e);
        }
        return server;
    }

    private static void seed(DatabaseEndpoint source, PrintStream out) {
        try (MongoClient client = MongoClients.create("mongodb://" + hostPort(source))) {
            var db = client.getDatabase(source.database());
            if (db.listCollectionNames().first() != null) {
                return;
            }
            long t = System.nanoTime();
            long documents = ShopData.seed(db);
            out.printf("seeded %s with %,d generated documents in %d collections in %.1f s%n", MongoSettings.display(source),
                    documents, ShopData.COLLECTIONS.size(), (System.nanoTime() - t) / 1e9);
        }
    }

    private static String hostPort(DatabaseEndpoint ep) {
        return (ep.host().contains(":") ? "[" + ep.host() + "]" : ep.host()) + ":" + ep.port();
    }

    /** @return whether something accepts TCP connections on host:port (within half a second) */
    static boolean listening(String host, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** @return the ports of the servers started here */
    public List<Integer> ports() {
        return servers.stream().map(s -> s.getLocalAddress().getPort()).toList();
    }

    /** Stops the servers started here; their data is gone. */
    @Override
    public void close() {
        servers.forEach(MongoServer::shutdownNow);
    }
}
