package dev.dbrefresh.runtime.plan;

/**
 * Where a database is reached: a PostgreSQL/MySQL server and a database on it.
 *
 * @param host           host name or IP address
 * @param port           TCP port (PostgreSQL default 5432)
 * @param database       database name
 * @param username       user that dbrefresh connects as
 * @param passwordSecret secret reference of that user's password (see {@link dev.dbrefresh.runtime.secrets.SecretResolver}),
 *                       or {@code null} where the server trusts the connection
 */
public record DatabaseEndpoint(String host, int port, String database, String username, String passwordSecret) {

    /** @return a JDBC URL for this database */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    /**
     * @param otherDatabase another database on the same server
     * @return this endpoint pointed at {@code otherDatabase}
     */
    public DatabaseEndpoint withDatabase(String otherDatabase) {
        return new DatabaseEndpoint(host, port, otherDatabase, username, passwordSecret);
    }

    /** @return {@code postgres://host:port/database}, for logs and manifests (no credentials) */
    public String display() {
        return "postgres://" + host + ":" + port + "/" + database;
    }

    /**
     * @param other another endpoint
     * @return whether both name the same database on the same server
     */
    public boolean sameDatabaseAs(DatabaseEndpoint other) {
        return host.equalsIgnoreCase(other.host) && port == other.port && database.equals(other.database);
    }
}
