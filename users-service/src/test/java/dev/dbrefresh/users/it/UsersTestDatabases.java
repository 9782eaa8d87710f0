package dev.dbrefresh.users.it;

import dev.dbrefresh.engine.postgres.PgIdentifiers;
import dev.dbrefresh.engine.postgres.PgTools;
import dev.dbrefresh.engine.postgres.testing.TestDatabases;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link TestDatabases} plus what only users-service's tests need: targets restored from a snapshot's
 * dump, and roles named by {@link #role(String)}, dropped by {@link #close()} after the databases.
 */
final class UsersTestDatabases extends TestDatabases {

    private final List<String> roles = new ArrayList<>();

    /** @param service short service name, part of every database and role name */
    UsersTestDatabases(String service) {
        super(service);
    }

    /** @return the role name {@code <prefix>_<suffix>}, dropped by {@link #close()} after the databases */
    String role(String suffix) {
        String role = name(suffix);
        roles.add(role);
        return role;
    }

    /** Restores a {@code pg_dump -Fc} archive into an existing, empty database. */
    void restore(Path dump, String db) {
        List<String> cmd = new ArrayList<>(List.of("pg_restore", "--no-owner", "--no-acl", "--exit-on-error"));
        cmd.addAll(PgTools.connectionOptions(endpoint(db)));
        cmd.add(dump.toString());
        TOOLS.run(cmd, endpoint(db), null, Duration.ofMinutes(2));
    }

    @Override
    public void close() throws SQLException {
        // Roles go last: PostgreSQL refuses to drop a role that still holds privileges in a database.
        super.close();
        try (Connection c = TOOLS.connect(ADMIN, null); Statement st = c.createStatement()) {
            for (String role : roles) {
                st.execute("DROP ROLE IF EXISTS " + PgIdentifiers.quote(role));
            }
        }
    }
}
