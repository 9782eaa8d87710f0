package dev.dbrefresh.runtime.health;

import io.micronaut.context.annotation.Requires;
import io.micronaut.management.health.indicator.annotation.Readiness;
import jakarta.inject.Singleton;
import java.sql.Connection;
import java.util.Map;
import javax.sql.DataSource;

/** Readiness: dbrefresh's own state database (parameter store) answers; only where one is configured. */
@Singleton
@Readiness
@Requires(beans = DataSource.class)
public class DatabaseHealthIndicator extends BoundedHealthIndicator {

    private final DataSource dataSource;

    /** @param dataSource the state database */
    public DatabaseHealthIndicator(DataSource dataSource) {
        // Micronaut Data hands out a transaction-aware proxy that only works inside @Transactional;
        // the probe needs a plain connection from the pool.
        this.dataSource = io.micronaut.data.connection.jdbc.advice.DelegatingDataSource.unwrapDataSource(dataSource);
    }

    @Override
    protected String name() {
        return "database";
    }

    @Override
    protected Map<String, Object> check() throws Exception {
        try (Connection c = dataSource.getConnection()) {
            if (!c.isValid(1)) {
                throw new IllegalStateException("connection is not valid");
            }
            return Map.of("database", c.getCatalog());
        }
    }
}
