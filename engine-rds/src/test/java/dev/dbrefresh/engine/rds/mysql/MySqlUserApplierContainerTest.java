package dev.dbrefresh.engine.rds.mysql;

import dev.dbrefresh.testsupport.ContainerTest;
import dev.dbrefresh.testsupport.RealMySql;
import org.testcontainers.mysql.MySQLContainer;

/**
 * {@link MySqlUserApplierBehaviour} on MySQL 8.4 ({@link RealMySql}), the server line of Aurora MySQL 3. Skipped,
 * with the reason, where Docker is absent.
 */
@ContainerTest
class MySqlUserApplierContainerTest extends MySqlUserApplierBehaviour {

    @Override
    protected Server server() {
        MySQLContainer mysql = RealMySql.container();
        return new Server(mysql.getHost(), mysql.getMappedPort(3306), RealMySql.ROOT_PASSWORD.toCharArray());
    }
}
