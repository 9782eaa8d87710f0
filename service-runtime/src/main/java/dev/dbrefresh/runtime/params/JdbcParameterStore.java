package dev.dbrefresh.runtime.params;

import io.micronaut.context.annotation.Requires;
import io.micronaut.transaction.annotation.Transactional;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.Optional;

/**
 * The local stack's stand-in for SSM Parameter Store: versioned rows in {@code dbrefresh.parameter}.
 * Concurrent writers of one name are serialised by the unique (name, version) constraint: the loser's
 * transaction fails and its handler is retried.
 */
@Singleton
@Requires(property = "dbrefresh.parameters.backend", value = "jdbc", defaultValue = "jdbc")
@Requires(beans = javax.sql.DataSource.class)
public class JdbcParameterStore implements ParameterStore {

    private final ParameterRepository repository;

    /** @param repository the parameter table */
    public JdbcParameterStore(ParameterRepository repository) {
        this.repository = repository;
    }

    /**
     * {@inheritDoc} One statement in autocommit, without a transaction of its own (no {@code BEGIN}/{@code COMMIT}
     * round trips: every hop of a run reads parameters).
     */
    @Override
    public Optional<String> get(String name) {
        return repository.findFirstByNameOrderByVersionDesc(name).map(ParameterVersion::value);
    }

    /** {@inheritDoc} One statement in autocommit, as {@link #get}. */
    @Override
    public java.util.Map<String, String> getByPath(String prefix) {
        java.util.Map<String, String> values = new java.util.TreeMap<>();
        for (ParameterVersion v : repository.findByNameLikeOrderByVersionAsc(prefix.replace("%", "\\%") + "%")) {
            values.put(v.name(), v.value());
        }
        return values;
    }

    @Override
    @Transactional
    public long put(String name, String value) {
        var current = repository.findFirstByNameOrderByVersionDesc(name);
        if (current.isPresent() && current.get().value().equals(value)) {
            return current.get().version();
        }
        long next = current.map(ParameterVersion::version).orElse(0L) + 1;
        return repository.save(new ParameterVersion(null, name, next, value, Instant.now())).version();
    }
}
