package dev.dbrefresh.testsupport;

import org.testcontainers.mysql.MySQLContainer;

/**
 * MySQL 8.4 (the LTS line Aurora MySQL 3 follows) in a container, image {@value #IMAGE}, started once per JVM on
 * first use. Root password {@value #ROOT_PASSWORD}; root may connect from any host. Call only from a
 * {@link ContainerTest} class.
 */
public final class RealMySql {

    /** The pinned image. */
    public static final String IMAGE = "mysql:8.4";
    /** root's password. */
    public static final String ROOT_PASSWORD = "dbrefresh";

    private static MySQLContainer container;

    private RealMySql() {
    }

    /** @return the running container (started on the first call) */
    public static synchronized MySQLContainer container() {
        if (container == null) {
            // username root: the image then sets MYSQL_ROOT_PASSWORD to the password and creates no other user.
            MySQLContainer c = new MySQLContainer(IMAGE).withUsername("root").withPassword(ROOT_PASSWORD)
                    .withDatabaseName("test");
            c.start();
            container = c;
        }
        return container;
    }
}
