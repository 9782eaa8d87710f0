package dev.dbrefresh.engine.rds.mysql;

import java.sql.Connection;
import java.sql.SQLException;
import org.junit.jupiter.api.Assumptions;

/**
 * {@link MySqlUserApplierBehaviour} on the machine's MariaDB at 127.0.0.1:3306 (user root, empty password; the
 * class is skipped, with the reason, when it is not reachable).
 */
class MySqlUserApplierTest extends MySqlUserApplierBehaviour {

    private static final Server MARIADB = new Server("127.0.0.1", 3306, null);

    @Override
    protected Server server() {
        try (Connection c = new MySqlTarget(MARIADB.host(), MARIADB.port(), "test", "root", false).connect(null)) {
            c.isValid(1);
        } catch (SQLException e) {
            Assumptions.abort("no MySQL/MariaDB server at 127.0.0.1:3306 accepting root without a password: " + e);
        }
        return MARIADB;
    }
}
