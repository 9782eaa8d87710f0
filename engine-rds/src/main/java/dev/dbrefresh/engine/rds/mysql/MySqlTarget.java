package dev.dbrefresh.engine.rds.mysql;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Objects;
import java.util.Properties;

/**
 * Where a MySQL-compatible server (Aurora MySQL, MySQL, MariaDB) is reached, and how dbrefresh connects
 * to it with MySQL Connector/J.
 *
 * <p>Connection properties (Connector/J reference, "Configuration Properties",
 * https://dev.mysql.com/doc/connector-j/en/connector-j-reference-configuration-properties.html):
 * {@code connectTimeout} {@value #CONNECT_TIMEOUT_MILLIS} ms; {@code useServerPrepStmts=false}, so bind
 * parameters are sent as string literals escaped by the driver (this is what lets {@link MySqlUserApplier}
 * bind user names and passwords in {@code CREATE USER}/{@code ALTER USER}, where the server does not take
 * placeholders); {@code sslMode=VERIFY_IDENTITY} when {@code tls} (the server certificate must chain to the
 * JVM's trust store, e.g. with the RDS CA bundle imported), else {@code PREFERRED};
 * {@code allowPublicKeyRetrieval=false}.
 *
 * @param host     host name or IP address
 * @param port     TCP port (MySQL default 3306)
 * @param database database (schema) the users are applied in and that is verified
 * @param username user dbrefresh connects as (the cluster's master user)
 * @param tls      whether the connection must be TLS with a verified server certificate
 */
public record MySqlTarget(String host, int port, String database, String username, boolean tls) {

    /** Connect timeout of the JDBC connections, in milliseconds. */
    public static final int CONNECT_TIMEOUT_MILLIS = 5000;

    /**
     * Validates the fields.
     *
     * @param host     host name or IP address
     * @param port     TCP port
     * @param database database name
     * @param username user name
     * @param tls      whether TLS is required
     */
    public MySqlTarget {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(username, "username");
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port " + port + " is not a TCP port");
        }
    }

    /**
     * @param otherUser another user
     * @return this target, connected to as {@code otherUser}
     */
    public MySqlTarget as(String otherUser) {
        return new MySqlTarget(host, port, database, otherUser, tls);
    }

    /** @return {@code mysql://host:port/database}, for logs and the audit (no credentials) */
    public String display() {
        return "mysql://" + host + ":" + port + "/" + database;
    }

    /**
     * Opens a connection to the server without selecting a database (names in statements are qualified),
     * in auto-commit mode.
     *
     * @param password the user's password, or {@code null} for none; not cleared by this method
     * @return an open connection; the caller closes it
     * @throws SQLException when the server cannot be reached within the timeout or refuses the login
     */
    public Connection connect(char[] password) throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", username);
        if (password != null) {
            props.setProperty("password", new String(password));
        }
        props.setProperty("connectTimeout", Integer.toString(CONNECT_TIMEOUT_MILLIS));
        props.setProperty("useServerPrepStmts", "false");
        props.setProperty("allowPublicKeyRetrieval", "false");
        props.setProperty("sslMode", tls ? "VERIFY_IDENTITY" : "PREFERRED");
        props.setProperty("connectionAttributes", "program_name:dbrefresh");
        String h = host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
        return DriverManager.getConnection("jdbc:mysql://" + h + ":" + port + "/", props);
    }
}
