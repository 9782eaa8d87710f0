package dev.dbrefresh.engine.rds.mysql;

import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.engine.postgres.sanitize.PgMasker;
import dev.dbrefresh.engine.postgres.sanitize.SanitizeException;
import dev.dbrefresh.runtime.plan.SanitizeSettings;
import dev.dbrefresh.runtime.plan.SanitizeSettings.ColumnMask;
import dev.dbrefresh.runtime.plan.SanitizeSettings.MaskType;
import dev.dbrefresh.runtime.plan.SanitizeSettings.TableMask;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The plan's masks on a restored MySQL-compatible database ({@code aurora-mysql}), with the semantics of the
 * {@code postgres} engine's {@link PgMasker} (a NULL stays NULL; {@code hash} is HMAC-SHA256 of the value's UTF-8
 * text, computed by the server from the two RFC 2104 key blocks with {@code SHA2(..., 256)}; {@code email} is
 * {@code u<16 hex>@example.invalid}): one {@code UPDATE} per table, {@code truncate-table} as {@code DELETE}, all in
 * one InnoDB transaction committed after the sampled check, so a failure leaves no table half masked. In a MySQL
 * database the plan's schema is the database: a mask's {@code table} is looked up in the plan's database (its
 * schema part, {@code public} by default, is ignored). Names are backtick-quoted ({@link MySqlIdentifiers}), values
 * and key blocks bound as parameters. Source: MySQL 8.0 reference manual, "Encryption and Compression Functions"
 * ({@code SHA2}, https://dev.mysql.com/doc/refman/8.0/en/encryption-functions.html).
 */
public final class MySqlMasker {

    private static final Set<String> TEXT = Set.of("char", "varchar", "tinytext", "text", "mediumtext", "longtext");
    private static final Map<String, String> INTEGER_MAX = Map.of("tinyint", "127", "smallint", "32767",
            "mediumint", "8388607", "int", "2147483647", "bigint", "1152921504606846975");

    private final SanitizeSettings settings;
    private final byte[] inner;
    private final byte[] outer;

    /**
     * @param settings the plan's masks
     * @param key      the HMAC key, or {@code null} when no mask is keyed; not kept
     */
    public MySqlMasker(SanitizeSettings settings, char[] key) {
        this.settings = Objects.requireNonNull(settings, "settings");
        byte[][] blocks = PgMasker.keyBlocks(key);
        this.inner = blocks[0];
        this.outer = blocks[1];
    }

    /** A column as {@code information_schema.COLUMNS} describes it. */
    record Column(String name, String dataType, long maxLength, boolean nullable, boolean generated) {
    }

    /**
     * Checks, masks and verifies, in one transaction.
     *
     * @param c        a connection as the master user
     * @param database the plan's database
     * @return one line per table and per checked column
     * @throws SanitizeException {@link ErrorCode#MASK_TARGET_MISSING} or {@link ErrorCode#MASK_FAILED}, before
     *                           anything is committed
     * @throws SQLException      when the connection fails
     */
    public List<String> mask(Connection c, String database) throws SQLException {
        Map<TableMask, Map<String, Column>> targets = check(c, database);
        String db = MySqlIdentifiers.quote(database, "target database");
        List<String> done = new ArrayList<>();
        c.setAutoCommit(false);
        try {
            Map<String, List<String>> samples = new LinkedHashMap<>();
            for (var t : targets.entrySet()) {
                String table = db + "." + MySqlIdentifiers.quote(t.getKey().table(), "table name");
                for (ColumnMask m : t.getKey().columns()) {
                    if (m.type().keyed()) {
                        String col = MySqlIdentifiers.quote(m.column(), "column name");
                        samples.put(t.getKey().table() + "." + m.column(), strings(c, "SELECT DISTINCT CAST(" + col
                                + " AS CHAR) FROM " + table + " WHERE " + col + " IS NOT NULL ORDER BY RAND() LIMIT "
                                + PgMasker.SAMPLE_SIZE, List.of()));
                    }
                }
                if (t.getKey().truncate()) {
                    run(c, t.getKey().table(), "DELETE FROM " + table, List.of());
                    done.add(t.getKey().table() + " emptied");
                    continue;
                }
                List<String> sets = new ArrayList<>();
                List<Object> params = new ArrayList<>();
                for (ColumnMask m : t.getKey().columns()) {
                    sets.add(MySqlIdentifiers.quote(m.column(), "column name") + " = "
                            + expression(m, t.getValue().get(m.column()), params));
                }
                int rows = run(c, t.getKey().table(), "UPDATE " + table + " SET " + String.join(", ", sets), params);
                done.add(t.getKey().table() + ": " + rows + " rows changed, " + t.getKey().columns().stream()
                        .map(m -> m.column() + " " + m.type().id()).toList());
            }
            done.addAll(verify(c, db, targets, samples));
            c.commit();
            return done;
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    private Map<TableMask, Map<String, Column>> check(Connection c, String database) throws SQLException {
        Map<TableMask, Map<String, Column>> targets = new LinkedHashMap<>();
        List<String> missing = new ArrayList<>();
        List<String> unfit = new ArrayList<>();
        for (TableMask t : settings.masks()) {
            Map<String, Column> columns = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement("SELECT COLUMN_NAME, DATA_TYPE, CHARACTER_MAXIMUM_LENGTH,"
                    + " IS_NULLABLE, EXTRA FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?"
                    + " ORDER BY ORDINAL_POSITION")) {
                ps.setString(1, database);
                ps.setString(2, t.table());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        columns.put(rs.getString(1), new Column(rs.getString(1), rs.getString(2).toLowerCase(),
                                rs.getLong(3), "YES".equals(rs.getString(4)), String.valueOf(rs.getString(5))
                                .toUpperCase().contains("GENERATED")));
                    }
                }
            }
            if (columns.isEmpty()) {
                missing.add("table " + database + "." + t.table() + " does not exist");
                continue;
            }
            for (ColumnMask m : t.columns()) {
                Column col = columns.get(m.column());
                if (col == null) {
                    missing.add("table " + database + "." + t.table() + " has no column '" + m.column() + "' (it has "
                            + columns.keySet() + ")");
                } else if (unfit(m, col) != null) {
                    unfit.add(t.table() + "." + m.column() + " (" + col.dataType() + "): " + unfit(m, col));
                }
            }
            targets.put(t, columns);
        }
        if (!missing.isEmpty()) {
            throw new SanitizeException(StepName.SANITIZE, ErrorCode.MASK_TARGET_MISSING, "sanitize.masks name what the"
                    + " restored database does not have: " + String.join("; ", missing) + ". Nothing was masked and no"
                    + " user was created; correct the plan's masks");
        }
        if (!unfit.isEmpty()) {
            throw new SanitizeException(StepName.SANITIZE, ErrorCode.MASK_FAILED, "masks that do not fit their"
                    + " columns: " + String.join("; ", unfit) + ". Nothing was masked and no user was created");
        }
        return targets;
    }

    private static String unfit(ColumnMask m, Column col) {
        boolean text = TEXT.contains(col.dataType());
        return col.generated() ? "a generated column cannot be set" : switch (m.type()) {
            case NULL -> col.nullable() ? null : "the column is NOT NULL; use {fixed: <value>}";
            case FIXED -> null;
            case HASH -> text || INTEGER_MAX.containsKey(col.dataType()) ? null : "hash masks text and integer columns only";
            case EMAIL, KEEP_DOMAIN -> text ? null : m.type().id() + " masks text columns only";
        };
    }

    private String expression(ColumnMask m, Column col, List<Object> params) {
        String q = MySqlIdentifiers.quote(m.column(), "column name");
        return switch (m.type()) {
            case NULL -> "NULL";
            case FIXED -> {
                params.add(m.value());
                yield "CASE WHEN " + q + " IS NULL THEN NULL ELSE ? END";
            }
            case HASH -> TEXT.contains(col.dataType())
                    ? (col.maxLength() > 0 && col.maxLength() < 64 ? "LEFT(" + hmac(q, params) + ", " + col.maxLength()
                    + ")" : hmac(q, params))
                    : "CAST(CONV(LEFT(" + hmac(q, params) + ", 15), 16, 10) AS UNSIGNED) % "
                    + INTEGER_MAX.get(col.dataType());
            case EMAIL -> "CASE WHEN " + q + " IS NULL THEN NULL ELSE CONCAT('u', LEFT(" + hmac(q, params) + ", 16), '@"
                    + PgMasker.EMAIL_DOMAIN + "') END";
            case KEEP_DOMAIN -> "CASE WHEN " + q + " IS NULL THEN NULL WHEN LOCATE('@', " + q + ") = 0 THEN LEFT("
                    + hmac(q, params) + ", 16) ELSE CONCAT(LEFT(" + hmac(q, params) + ", 16), '@', SUBSTRING_INDEX(" + q
                    + ", '@', -1)) END";
        };
    }

    private String hmac(String quotedColumn, List<Object> params) {
        params.add(outer);
        params.add(inner);
        return "SHA2(CONCAT(?, UNHEX(SHA2(CONCAT(?, CONVERT(" + quotedColumn + " USING utf8mb4)), 256))), 256)";
    }

    private static List<String> verify(Connection c, String db, Map<TableMask, Map<String, Column>> targets,
            Map<String, List<String>> samples) throws SQLException {
        List<String> checked = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (var t : targets.entrySet()) {
            String table = db + "." + MySqlIdentifiers.quote(t.getKey().table(), "table name");
            for (ColumnMask m : t.getKey().columns()) {
                String col = MySqlIdentifiers.quote(m.column(), "column name");
                String name = t.getKey().table() + "." + m.column();
                List<Object> params = new ArrayList<>();
                String where;
                if (m.type() == MaskType.NULL) {
                    where = col + " IS NOT NULL";
                } else if (m.type() == MaskType.FIXED) {
                    where = col + " IS NOT NULL AND NOT (" + col + " <=> ?)";
                    params.add(m.value());
                } else {
                    List<String> values = samples.getOrDefault(name, List.of());
                    where = values.isEmpty() ? "FALSE" : "CAST(" + col + " AS CHAR) IN (" + String.join(", ",
                            values.stream().map(v -> "?").toList()) + ")";
                    params.addAll(values);
                }
                String counted = m.type().keyed() ? "COUNT(DISTINCT " + col + ")" : "COUNT(*)";
                long left = Long.parseLong(strings(c, "SELECT " + counted + " FROM " + table + " WHERE " + where, params)
                        .get(0));
                // A hashed integer may equal another row's original by chance: only most samples left in place fail.
                boolean integerHash = m.type() == MaskType.HASH && !TEXT.contains(t.getValue().get(m.column()).dataType());
                long allowed = integerHash ? samples.getOrDefault(name, List.of()).size() / 2 : 0;
                if (left > allowed) {
                    failed.add(name + ": " + left + (m.type().keyed() ? " sampled original values" : " rows")
                            + " still present");
                } else {
                    checked.add(name + " " + m.type().id() + " verified");
                }
            }
        }
        if (!failed.isEmpty()) {
            throw new SanitizeException(StepName.VERIFY_MASKS, ErrorCode.MASK_FAILED, "masked columns still hold"
                    + " unmasked values: " + String.join("; ", failed) + "; nothing was committed, no user created");
        }
        return checked;
    }

    private static int run(Connection c, String what, String sql, List<Object> params) {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new SanitizeException(StepName.SANITIZE, ErrorCode.MASK_FAILED, "masking " + what + " failed: "
                    + e.getMessage() + " (SQLState " + e.getSQLState() + "); nothing was committed, no user created");
        }
    }

    private static List<String> strings(Connection c, String sql, List<?> params) throws SQLException {
        List<String> out = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(ps, params);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    private static void bind(PreparedStatement ps, List<?> params) throws SQLException {
        for (int i = 0; i < params.size(); i++) {
            if (params.get(i) instanceof byte[] b) {
                ps.setBytes(i + 1, b);
            } else {
                ps.setString(i + 1, (String) params.get(i));
            }
        }
    }
}
