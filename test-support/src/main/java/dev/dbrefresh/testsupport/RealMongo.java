package dev.dbrefresh.testsupport;

import java.time.Duration;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.mongodb.MongoDBContainer;

/**
 * A real {@code mongod} 7 in a container, image {@value #IMAGE}, each started once per JVM on first use. Call only
 * from a {@link ContainerTest} class.
 * <ul>
 *   <li>{@link #replicaSet()}: a one-node replica set, so sessions, snapshot reads and transactions work (what
 *       mongo-java-server lacks); no authentication.</li>
 *   <li>{@link #withAuth()}: a standalone {@code mongod --auth} with the root user {@value #ROOT_USER} /
 *       {@value #ROOT_PASSWORD} (the image's {@code MONGO_INITDB_ROOT_*} variables), so a created user's roles are
 *       enforced when it logs in.</li>
 * </ul>
 */
public final class RealMongo {

    /** The pinned image. */
    public static final String IMAGE = "mongo:7";
    /** The root user of {@link #withAuth()} (database {@code admin}). */
    public static final String ROOT_USER = "root";
    /** The root user's password. */
    public static final String ROOT_PASSWORD = "dbrefresh";
    /** mongod's port inside the container. */
    public static final int PORT = 27017;

    private static MongoDBContainer replicaSet;
    private static GenericContainer<?> withAuth;

    private RealMongo() {
    }

    /** @return the running one-node replica set (started on the first call) */
    public static synchronized MongoDBContainer replicaSet() {
        if (replicaSet == null) {
            MongoDBContainer c = new MongoDBContainer(IMAGE).withReplicaSet();
            c.start();
            replicaSet = c;
        }
        return replicaSet;
    }

    /** @return the running {@code mongod --auth} (started on the first call) */
    public static synchronized GenericContainer<?> withAuth() {
        if (withAuth == null) {
            GenericContainer<?> c = new GenericContainer<>(IMAGE).withExposedPorts(PORT)
                    .withEnv("MONGO_INITDB_ROOT_USERNAME", ROOT_USER).withEnv("MONGO_INITDB_ROOT_PASSWORD", ROOT_PASSWORD)
                    // The entrypoint starts mongod once without --auth to create the root user, then again with it.
                    .waitingFor(Wait.forLogMessage("(?i).*waiting for connections.*", 2)
                            .withStartupTimeout(Duration.ofMinutes(2)));
            c.start();
            withAuth = c;
        }
        return withAuth;
    }

    /** @return {@code mongodb://root:…@host:port/?authSource=admin} of {@link #withAuth()} */
    public static String rootUrl() {
        GenericContainer<?> c = withAuth();
        return "mongodb://" + ROOT_USER + ":" + ROOT_PASSWORD + "@" + c.getHost() + ":" + c.getMappedPort(PORT)
                + "/?authSource=admin";
    }

    /**
     * @param user     a user created in {@code admin}
     * @param password its password
     * @return a connection string of {@link #withAuth()} that logs in as that user
     */
    public static String urlAs(String user, String password) {
        GenericContainer<?> c = withAuth();
        return "mongodb://" + java.net.URLEncoder.encode(user, java.nio.charset.StandardCharsets.UTF_8) + ":"
                + java.net.URLEncoder.encode(password, java.nio.charset.StandardCharsets.UTF_8) + "@" + c.getHost() + ":"
                + c.getMappedPort(PORT) + "/?authSource=admin";
    }
}
