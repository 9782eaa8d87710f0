package dev.dbrefresh.runtime.params;

import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import java.util.Optional;

/** Micronaut Data JDBC repository of {@link ParameterVersion}. */
@JdbcRepository(dialect = Dialect.POSTGRES)
public interface ParameterRepository extends GenericRepository<ParameterVersion, Long> {

    /**
     * @param name parameter name
     * @return its newest version
     */
    Optional<ParameterVersion> findFirstByNameOrderByVersionDesc(String name);

    /**
     * @param pattern SQL LIKE pattern of names
     * @return every version of the matching parameters, oldest first (the last one per name wins)
     */
    java.util.List<ParameterVersion> findByNameLikeOrderByVersionAsc(String pattern);

    /**
     * @param version a new version
     * @return the saved row
     */
    ParameterVersion save(ParameterVersion version);
}
