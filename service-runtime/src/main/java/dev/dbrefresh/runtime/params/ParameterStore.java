package dev.dbrefresh.runtime.params;

import java.util.Optional;

/**
 * The "latest"/"current" parameters of a plan (snapshot ids, endpoints). On AWS: SSM Parameter Store
 * ({@link SsmParameterStore}); on the local stack: a versioned table in dbrefresh's own PostgreSQL
 * database ({@link JdbcParameterStore}). Selected by {@code dbrefresh.parameters.backend}.
 */
public interface ParameterStore {

    /**
     * @param name parameter name, e.g. {@code /dbrefresh/local-pgbench/snapshot/latest}
     * @return its current value, or empty when never set
     */
    Optional<String> get(String name);

    /**
     * Sets a parameter (a new version; earlier versions are kept).
     *
     * @param name  parameter name
     * @param value new value
     * @return the new version number, starting at 1
     */
    long put(String name, String value);

    /**
     * @param prefix a path prefix ending in {@code /}, e.g. {@code /dbrefresh/plans/nightly/}
     * @return current values of every parameter below it, by full name
     */
    java.util.Map<String, String> getByPath(String prefix);
}
