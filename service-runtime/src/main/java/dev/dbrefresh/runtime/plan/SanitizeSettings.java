package dev.dbrefresh.runtime.plan;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What makes a restored copy safe to hand out, read from a plan's {@code sanitize:} and {@code verify:} keys:
 * masks, {@code sql:} files, isolation from production and content verification. Like every identity key it
 * comes from the plans file only: no per-run value (start message, environment, parameter store) can change or
 * switch off any of it ({@link PlanResolver#KNOBS} names none of these keys).
 *
 * <pre>
 * sanitize:
 *   key-secret: env:DBREFRESH_MASKING_KEY     # HMAC key of hash, email and keep-domain (a secret reference)
 *   masks:
 *     - table: public.pgbench_accounts         # or schema: + table: for names holding a dot
 *       columns: {filler: {fixed: masked}, email: email, name: hash, phone: null, mail: keep-domain}
 *     - {table: audit_log, mask: truncate-table}
 *     - {table: users, pipeline: masks/users.json}  # mongodb/docdb: an update pipeline file (see UpdatePipelineFile)
 *   sql: [masks/extra.sql]                     # files beside the plans file, run after the masks
 *   isolation: true                            # the default
 *   keep-roles: [reporting]                    # roles isolation leaves alone
 *   lock-roles: database                       # or server (ALTER ROLE ... NOLOGIN), see below
 * verify: checksums                            # or counts, the default
 * </pre>
 *
 * @param masks           per table what happens to it, in plans-file order; empty when nothing is masked
 * @param sqlFiles        absolute paths of {@code sql:} files inside the plans file's directory, run in order
 * @param keySecret       secret reference of the HMAC key ({@code env:VAR}, {@code file:/path}, an ARN), or
 *                        {@code null} when no mask needs one
 * @param isolation       whether foreign servers, subscriptions, scheduled jobs and event triggers are removed
 *                        and the snapshot's roles locked (default {@code true})
 * @param keepRoles       roles isolation never locks
 * @param lockServerRoles {@code false} (default, {@code lock-roles: database}): the snapshot's roles lose the
 *                        right to connect to the restored database only; {@code true} ({@code lock-roles: server}):
 *                        they are also made {@code NOLOGIN} on the whole target server (roles are server-wide in
 *                        PostgreSQL: only for a target server that serves nothing else)
 * @param checksums       whether a content checksum per table is read at dump time and compared after the
 *                        restore ({@code verify: checksums})
 */
public record SanitizeSettings(List<TableMask> masks, List<Path> sqlFiles, String keySecret, boolean isolation,
        List<String> keepRoles, boolean lockServerRoles, boolean checksums) {

    /** Isolation on, nothing masked, counts only: what a plan without {@code sanitize:} gets. */
    public static final SanitizeSettings DEFAULT = new SanitizeSettings(List.of(), List.of(), null, true, List.of(),
            false, false);

    /** @throws NullPointerException when a list is {@code null} */
    public SanitizeSettings {
        masks = List.copyOf(masks);
        sqlFiles = List.copyOf(sqlFiles);
        keepRoles = List.copyOf(keepRoles);
    }

    /** @return whether anything is masked (masks or {@code sql:} files) */
    public boolean masking() {
        return !masks.isEmpty() || !sqlFiles.isEmpty();
    }

    /** What a mask does to a column's non-null values (a {@code NULL} stays {@code NULL} under every mask). */
    public enum MaskType {
        /** {@code null}: the column is set to {@code NULL}. */
        NULL("null"),
        /** {@code fixed: <value>}: every non-null value becomes the given value. */
        FIXED("fixed"),
        /** {@code hash}: HMAC-SHA256 of the value with the plan's key; equal values stay equal (joins match). */
        HASH("hash"),
        /** {@code email}: {@code u<16 hex of the HMAC>@example.invalid}, unique as the original was. */
        EMAIL("email"),
        /** {@code keep-domain}: the part before {@code @} replaced by 16 hex of the HMAC, the domain kept. */
        KEEP_DOMAIN("keep-domain");

        private final String id;

        MaskType(String id) {
            this.id = id;
        }

        /** @return the name as the plans file spells it */
        public String id() {
            return id;
        }

        /** @return whether the mask needs the plan's HMAC key */
        public boolean keyed() {
            return this == HASH || this == EMAIL || this == KEEP_DOMAIN;
        }
    }

    /**
     * One column's mask.
     *
     * @param column the column's name, exactly as the database spells it (any characters; it is quoted)
     * @param type   the mask
     * @param value  the value of {@link MaskType#FIXED}, else {@code null}
     */
    public record ColumnMask(String column, MaskType type, String value) {

        /** @throws NullPointerException when the column or type is {@code null} */
        public ColumnMask {
            Objects.requireNonNull(column, "column");
            Objects.requireNonNull(type, "type");
        }
    }

    /**
     * One table's masks.
     *
     * @param schema   schema name, exactly as the database spells it
     * @param table    table name, exactly as the database spells it
     * @param truncate {@code mask: truncate-table}: every row is removed ({@code TRUNCATE})
     * @param columns  the columns' masks, applied in one {@code UPDATE}; empty when {@code truncate}
     * @param pipeline {@code pipeline: <file>} ({@code mongodb} and {@code docdb} only): absolute path, inside the
     *                 plans file's directory, of an update pipeline ({@link UpdatePipelineFile}) applied with one
     *                 {@code updateMany({}, pipeline)} after the column masks; {@code null} when none
     */
    public record TableMask(String schema, String table, boolean truncate, List<ColumnMask> columns, Path pipeline) {

        /** @throws NullPointerException when a part other than {@code pipeline} is {@code null} */
        public TableMask {
            Objects.requireNonNull(schema, "schema");
            Objects.requireNonNull(table, "table");
            columns = List.copyOf(columns);
        }

        /**
         * A table mask without a pipeline.
         *
         * @throws NullPointerException when a part is {@code null}
         */
        public TableMask(String schema, String table, boolean truncate, List<ColumnMask> columns) {
            this(schema, table, truncate, columns, null);
        }

        /** @return {@code schema.table}, unquoted, for messages */
        public String qualifiedName() {
            return schema + "." + table;
        }
    }
}
