package dev.dbrefresh.runtime.plan;

import java.util.List;

/**
 * One grant of a plan user.
 *
 * @param privileges privilege keywords, e.g. {@code [SELECT, INSERT]}; checked against the
 *                   engine's list of privileges, never spliced in unchecked
 * @param on         what is granted on: {@code database}, {@code schema}, {@code all-tables},
 *                   {@code table}, {@code all-sequences}
 * @param schema     schema name for {@code schema}, {@code all-tables}, {@code table}, {@code all-sequences}
 * @param table      table name for {@code table}
 */
public record GrantSpec(List<String> privileges, String on, String schema, String table) {
}
