package dev.dbrefresh.testsupport;

import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * PostgreSQL 15 in a container, image {@value #IMAGE}, started once per JVM on first use (the singleton-container
 * pattern: Testcontainers' Ryuk removes it when the JVM exits). Superuser {@code postgres}, password
 * {@value #PASSWORD}. Call only from a {@link ContainerTest} class, whose skip condition keeps Docker-less machines
 * from reaching here.
 */
public final class RealPostgres {

    /** The pinned image: the major version the machine's server and the engine are tested on. */
    public static final String IMAGE = "postgres:15";
    /** The superuser's password. */
    public static final String PASSWORD = "dbrefresh";

    private static PostgreSQLContainer container;

    private RealPostgres() {
    }

    /** @return the running container (started on the first call) */
    public static synchronized PostgreSQLContainer container() {
        if (container == null) {
            PostgreSQLContainer c = new PostgreSQLContainer(IMAGE).withUsername("postgres").withPassword(PASSWORD)
                    .withDatabaseName("postgres");
            c.start();
            container = c;
        }
        return container;
    }
}
