package dev.dbrefresh.contracts;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The engines a plan can name (its {@code engine} key), and the only place their ids are spelled. Events
 * and the plans file carry the id string ({@link #id()}); code compares these constants, never strings.
 *
 * <p>Ids follow the AWS API's {@code Engine} values where AWS defines one (RDS
 * {@code CreateDBCluster.Engine}: {@code aurora-postgresql}, {@code aurora-mysql}; DocumentDB: {@code docdb},
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBCluster.html).
 */
public enum Engine {
    /** a self-managed PostgreSQL database: pg_dump, a snapshot store, pg_restore into a staging database */
    POSTGRES("postgres", Family.POSTGRES, 5432),
    /** Aurora PostgreSQL through the RDS cluster API */
    AURORA_POSTGRESQL("aurora-postgresql", Family.CLUSTER, 5432),
    /** Aurora MySQL through the RDS cluster API */
    AURORA_MYSQL("aurora-mysql", Family.CLUSTER, 3306),
    /** Amazon DocumentDB through the DocumentDB cluster API */
    DOCDB("docdb", Family.CLUSTER, 27017),
    /** a DynamoDB table restored from an AWS Backup recovery point into a new timestamped table */
    DYNAMODB("dynamodb", Family.DYNAMODB, 0),
    /** a self-managed MongoDB database (engine-mongodb; not yet served by the services) */
    MONGODB("mongodb", Family.MONGODB, 27017);

    /** Engines that share one implementation. */
    public enum Family {
        /** {@link #POSTGRES} */
        POSTGRES,
        /** the RDS/DocumentDB cluster engines: snapshot copy, cluster delete and restore */
        CLUSTER,
        /** {@link #DYNAMODB} */
        DYNAMODB,
        /** {@link #MONGODB} */
        MONGODB
    }

    private final String id;
    private final Family family;
    private final int defaultPort;

    Engine(String id, Family family, int defaultPort) {
        this.id = id;
        this.family = family;
        this.defaultPort = defaultPort;
    }

    /** @return the id as written in plans and events, e.g. {@code aurora-mysql} */
    public String id() {
        return id;
    }

    /** @return the family whose code serves this engine */
    public Family family() {
        return family;
    }

    /** @return whether this engine is restored through the RDS/DocumentDB cluster APIs */
    public boolean isCluster() {
        return family == Family.CLUSTER;
    }

    /** @return the server's default TCP port, 0 where there is no data-plane connection (DynamoDB) */
    public int defaultPort() {
        return defaultPort;
    }

    /**
     * @param id an engine id from a plan or an event; {@code null} gives empty
     * @return the engine, or empty when no engine has that id (compared exactly, lower case)
     */
    public static Optional<Engine> of(String id) {
        return Arrays.stream(values()).filter(e -> e.id.equals(id)).findFirst();
    }

    /**
     * @param id an engine id that has passed plan validation
     * @return the engine
     * @throws IllegalArgumentException when no engine has that id
     */
    public static Engine require(String id) {
        return of(id).orElseThrow(() -> new IllegalArgumentException("unknown engine '" + id + "'; known: " + ids()));
    }

    /**
     * @param family a family
     * @return the engines of that family
     */
    public static java.util.Set<Engine> of(Family family) {
        java.util.EnumSet<Engine> engines = java.util.EnumSet.noneOf(Engine.class);
        Arrays.stream(values()).filter(e -> e.family == family).forEach(engines::add);
        return java.util.Collections.unmodifiableSet(engines);
    }

    /** @return every id, in declaration order */
    public static List<String> ids() {
        return Arrays.stream(values()).map(Engine::id).toList();
    }

    @Override
    public String toString() {
        return id;
    }
}
