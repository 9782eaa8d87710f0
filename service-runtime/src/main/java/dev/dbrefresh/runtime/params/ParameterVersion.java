package dev.dbrefresh.runtime.params;

import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;
import java.time.Instant;

/**
 * One version of a parameter, table {@code dbrefresh.parameter} (Flyway migration V1).
 *
 * @param id        surrogate key
 * @param name      parameter name
 * @param version   version, 1 for the first value; unique per name
 * @param value     the value
 * @param updatedAt when this version was written
 */
@MappedEntity(value = "parameter", schema = "dbrefresh")
public record ParameterVersion(@Id @GeneratedValue Long id, String name, long version, String value, Instant updatedAt) {
}
