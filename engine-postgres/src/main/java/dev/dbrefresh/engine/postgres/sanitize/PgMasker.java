package dev.dbrefresh.engine.postgres.sanitize;

import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.engine.postgres.PgIdentifiers;
import dev.dbrefresh.runtime.plan.SanitizeSettings;
import dev.dbrefresh.runtime.plan.SanitizeSettings.ColumnMask;
import dev.dbrefresh.runtime.plan.SanitizeSettings.MaskType;
import dev.dbrefresh.runtime.plan.SanitizeSettings.TableMask;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Applies a plan's masks ({@link SanitizeSettings}) to a restored PostgreSQL database, set-based: one
 * {@code UPDATE} per table for all of its masked columns, {@code TRUNCATE} for {@code truncate-table}, then the
 * plan's {@code sql:} files. Every identifier is quoted ({@link PgIdentifiers#quote}); values and the key travel as
 * bind parameters, never in the statement text.
 *
 * <p>Use on one connection in one transaction: {@link #check} (every table and column exists and fits its mask,
 * before anything changes), {@link #sample} (a sample of original values), {@link #apply}, {@link #verify} (none of
 * the sampled values is left, a {@code fixed} column holds only its value, a {@code null} column only NULL), then
 * commit. Where the connected user is a superuser, {@code session_replication_role = replica} keeps the tables'
 * triggers (which may write elsewhere, or reach production) from firing, and {@code log_statement},
 * {@code log_min_duration_statement} and {@code log_parameter_max_length} are set for the transaction so the server
 * log never holds the key blocks (otherwise a server logging statements with their parameters would).
 *
 * <p>Masks on non-null values (a NULL stays NULL): {@code hash} is HMAC-SHA256 (RFC 2104) of the value's text in
 * UTF-8 with the plan's key, computed by the server from two key blocks ({@code sha256(k XOR opad || sha256(k XOR
 * ipad || m))}, PostgreSQL's built-in {@code sha256}); text columns get its hex (cut to a {@code varchar(n)}'s
 * length), {@code smallint}/{@code integer}/{@code bigint} columns its first 64 bits modulo the type's maximum
 * (small integer types can collide). {@code email} is {@code u<16 hex of the HMAC>@example.invalid} (RFC 2606's
 * reserved top level domain), {@code keep-domain} the HMAC's 16 hex digits, {@code @} and the original domain.
 */
public final class PgMasker {

    /** How many original values per masked column {@link #sample} keeps for {@link #verify}. */
    public static final int SAMPLE_SIZE = 100;
    /** The domain of {@code email} masks. */
    public static final String EMAIL_DOMAIN = "example.invalid";

    private static final int HMAC_BLOCK = 64;

    private final SanitizeSettings settings;
    private final byte[] inner;
    private final byte[] outer;

    /**
     * @param settings the plan's masks
     * @param key      the HMAC key (from the plan's {@code key-secret}), or {@code null} when no mask is keyed;
     *                 copied into the key blocks, not kept; the caller clears it
     * @throws IllegalArgumentException when a keyed mask has no key
     */
    public PgMasker(SanitizeSettings settings, char[] key) {
        this.settings = Objects.requireNonNull(settings, "settings");
        boolean keyed = settings.masks().stream().flatMap(m -> m.columns().stream()).anyMatch(c -> c.type().keyed());
        if (keyed && (key == null || key.length == 0)) {
            throw new IllegalArgumentException("masks hash, email and keep-domain need a key: sanitize.key-secret"
                    + " resolved to nothing");
        }
        byte[][] blocks = keyBlocks(key);
        this.inner = blocks[0];
        this.outer = blocks[1];
    }

    /** The column facts a mask needs, read from the catalog. */
    record Column(String name, String type, char category, int maxLength, boolean notNull, boolean generated) {
    }

    /** One table's masks with its columns as the database has them. */
    record Target(TableMask mask, Map<String, Column> columns) {
    }

    /**
     * Checks every mask against the database before anything changes.
     *
     * @param c a connection to the restored database
     * @return the masked tables with their columns' catalog facts
     * @throws SanitizeException {@link ErrorCode#MASK_TARGET_MISSING} naming every missing table and column, or
     *                           {@link ErrorCode#MASK_FAILED} for a mask that does not fit its column's type
     * @throws SQLException      when the catalog cannot be read
     */
    public List<Target> check(Connection c) throws SQLException {
        List<String> missing = new ArrayList<>();
        List<String> unfit = new ArrayList<>();
        List<Target> targets = new ArrayList<>();
        for (TableMask t : settings.masks()) {
            Map<String, Column> columns = columns(c, t);
            if (columns == null) {
                missing.add("table " + t.qualifiedName() + " does not exist");
                continue;
            }
            for (ColumnMask m : t.columns()) {
                Column col = columns.get(m.column());
                if (col == null) {
                    missing.add("table " + t.qualifiedName() + " has no column '" + m.column() + "' (it has "
                            + columns.keySet() + ")");
                } else {
                    String why = unfit(m, col);
                    if (why != null) {
                        unfit.add(t.qualifiedName() + "." + m.column() + " (" + col.type() + "): " + why);
                    }
                }
            }
            targets.add(new Target(t, columns));
        }
        if (!missing.isEmpty()) {
            throw new SanitizeException(StepName.SANITIZE, ErrorCode.MASK_TARGET_MISSING, "sanitize.masks name what the"
                    + " restored database does not have: " + String.join("; ", missing) + ". Nothing was masked and"
                    + " the old target was kept; correct the plan's masks");
        }
        if (!unfit.isEmpty()) {
            throw new SanitizeException(StepName.SANITIZE, ErrorCode.MASK_FAILED, "masks that do not fit their"
                    + " columns: " + String.join("; ", unfit) + ". Nothing was masked and the old target was kept");
        }
        return targets;
    }

    private static String unfit(ColumnMask m, Column col) {
        if (col.generated()) {
            return "a generated column cannot be set; mask the columns it is computed from";
        }
        boolean text = col.category() == 'S';
        boolean integer = col.type().equals("smallint") || col.type().equals("integer") || col.type().equals("bigint");
        return switch (m.type()) {
            case NULL -> col.notNull() ? "the column is NOT NULL; use {fixed: <value>}" : null;
            case FIXED -> null;
            case HASH -> text || integer ? null : "hash masks text and integer columns only";
            case EMAIL -> !text ? "email masks text columns only"
                    : col.maxLength() > 0 && col.maxLength() < 17 + EMAIL_DOMAIN.length()
                    ? "the column is shorter than a masked address (" + (17 + EMAIL_DOMAIN.length()) + " characters)"
                    : null;
            case KEEP_DOMAIN -> text ? null : "keep-domain masks text columns only";
        };
    }

    /**
     * @param c       a connection to the restored database, inside the masking transaction
     * @param targets what {@link #check} returned
     * @return per masked column ({@code schema.table.column}) up to {@value #SAMPLE_SIZE} distinct original non-null
     *         values (as text), of the value masks that replace them ({@code hash}, {@code email}, {@code keep-domain})
     * @throws SQLException when a table cannot be read
     */
    public Map<String, List<String>> sample(Connection c, List<Target> targets) throws SQLException {
        Map<String, List<String>> samples = new LinkedHashMap<>();
        for (Target t : targets) {
            for (ColumnMask m : t.mask().columns()) {
                if (!m.type().keyed()) {
                    continue;
                }
                String col = PgIdentifiers.quote(m.column());
                List<String> values = new ArrayList<>();
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT v FROM (SELECT DISTINCT "
                        + col + "::text AS v FROM " + table(t.mask()) + " WHERE " + col + " IS NOT NULL) AS d ORDER BY"
                        + " random() LIMIT " + SAMPLE_SIZE)) {
                    while (rs.next()) {
                        values.add(rs.getString(1));
                    }
                }
                samples.put(name(t.mask(), m), values);
            }
        }
        return samples;
    }

    /**
     * Masks every table (one statement per table), then runs the {@code sql:} files.
     *
     * @param c       a connection to the restored database, inside the masking transaction
     * @param targets what {@link #check} returned
     * @return one line per table and file: what was done and how many rows it changed
     * @throws SanitizeException {@link ErrorCode#MASK_FAILED} when a statement or file fails (the table or file named)
     * @throws SQLException      when the connection fails otherwise
     */
    public List<String> apply(Connection c, List<Target> targets) throws SQLException {
        if (superuser(c)) {
            try (Statement st = c.createStatement()) {
                st.execute("SET LOCAL session_replication_role = replica");
                // The key blocks are bind parameters: keep them out of the server log whatever it is set to log.
                st.execute("SET LOCAL log_statement = 'none'");
                st.execute("SET LOCAL log_min_duration_statement = -1");
                st.execute("SET LOCAL log_parameter_max_length = 0");
                st.execute("SET LOCAL log_parameter_max_length_on_error = 0");
            }
        }
        List<String> done = new ArrayList<>();
        for (Target t : targets) {
            TableMask mask = t.mask();
            if (mask.truncate()) {
                run(c, mask.qualifiedName(), "TRUNCATE TABLE " + table(mask), List.of());
                done.add(mask.qualifiedName() + " truncated");
                continue;
            }
            List<String> sets = new ArrayList<>();
            List<Object> params = new ArrayList<>();
            for (ColumnMask m : mask.columns()) {
                sets.add(PgIdentifiers.quote(m.column()) + " = " + expression(m, t.columns().get(m.column()), params));
            }
            int rows = run(c, mask.qualifiedName(), "UPDATE " + table(mask) + " SET " + String.join(", ", sets), params);
            done.add(mask.qualifiedName() + ": " + rows + " rows, " + mask.columns().stream()
                    .map(m -> m.column() + " " + m.type().id()).toList());
        }
        for (Path file : settings.sqlFiles()) {
            String sql;
            try {
                sql = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read sanitize.sql file " + file, e);
            }
            run(c, "sql file " + file.getFileName(), sql, List.of());
            done.add("sql file " + file.getFileName() + " run");
        }
        return done;
    }

    /**
     * The sampled check after {@link #apply}, in the same transaction.
     *
     * @param c       a connection to the restored database, inside the masking transaction
     * @param targets what {@link #check} returned
     * @param samples what {@link #sample} returned before the masks were applied
     * @return one line per checked column
     * @throws SanitizeException {@link ErrorCode#MASK_FAILED} naming each column that still holds a sampled original
     *                           value (how many, never which; a hashed integer column only when more than half of
     *                           them remain, since a hashed number may equal another original by chance), a value
     *                           other than its {@code fixed} one, or a non-NULL
     * @throws SQLException      when a table cannot be read
     */
    public List<String> verify(Connection c, List<Target> targets, Map<String, List<String>> samples)
            throws SQLException {
        List<String> checked = new ArrayList<>();
        List<String> failed = new ArrayList<>();
        for (Target t : targets) {
            for (ColumnMask m : t.mask().columns()) {
                String col = PgIdentifiers.quote(m.column());
                String name = name(t.mask(), m);
                long left;
                String sql;
                List<Object> params = new ArrayList<>();
                if (m.type() == MaskType.NULL) {
                    sql = "SELECT count(*) FROM " + table(t.mask()) + " WHERE " + col + " IS NOT NULL";
                } else if (m.type() == MaskType.FIXED) {
                    sql = "SELECT count(*) FROM " + table(t.mask()) + " WHERE " + col + " IS DISTINCT FROM CAST(? AS "
                            + t.columns().get(m.column()).type() + ") AND " + col + " IS NOT NULL";
                    params.add(m.value());
                } else {
                    sql = "SELECT count(DISTINCT " + col + ") FROM " + table(t.mask()) + " WHERE " + col + "::text = ANY(?)";
                    params.add(samples.getOrDefault(name, List.of()));
                }
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    bind(c, ps, params);
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        left = rs.getLong(1);
                    }
                }
                // A hashed integer is a number again: by chance it may equal another row's original value (odds:
                // rows / range of the type), so only a mask that left most sampled values in place fails.
                boolean integerHash = m.type() == MaskType.HASH && t.columns().get(m.column()).category() != 'S';
                long allowed = integerHash ? samples.getOrDefault(name, List.of()).size() / 2 : 0;
                if (left > allowed) {
                    failed.add(name + ": " + left + (m.type().keyed() ? " sampled original values" : " rows")
                            + " still present");
                } else {
                    checked.add(name + " " + m.type().id() + (m.type().keyed() ? " (" + samples.getOrDefault(name,
                            List.of()).size() + " sampled values gone)" : " (every row)"));
                }
            }
        }
        if (!failed.isEmpty()) {
            throw new SanitizeException(StepName.VERIFY_MASKS, ErrorCode.MASK_FAILED, "masked columns still hold"
                    + " unmasked values: " + String.join("; ", failed) + ". The copy was not swapped in; the old target"
                    + " was kept. A sql: file or a trigger may have written them back");
        }
        return checked;
    }

    private String expression(ColumnMask m, Column col, List<Object> params) {
        String q = PgIdentifiers.quote(m.column());
        return switch (m.type()) {
            case NULL -> "NULL";
            case FIXED -> {
                params.add(m.value());
                yield "CASE WHEN " + q + " IS NULL THEN NULL ELSE CAST(? AS " + col.type() + ") END";
            }
            case HASH -> col.category() == 'S' ? (col.maxLength() > 0 ? "left(" + hmac(q, params) + ", "
                    + col.maxLength() + ")" : hmac(q, params))
                    : "(('x' || left(" + hmac(q, params) + ", 16))::bit(64)::bigint % " + switch (col.type()) {
                        case "smallint" -> "32767)::smallint";
                        case "integer" -> "2147483647)::integer";
                        default -> "9223372036854775807)";
                    };
            case EMAIL -> "CASE WHEN " + q + " IS NULL THEN NULL ELSE 'u' || left(" + hmac(q, params) + ", 16) || '@"
                    + EMAIL_DOMAIN + "' END";
            case KEEP_DOMAIN -> "CASE WHEN " + q + " IS NULL THEN NULL WHEN strpos(" + q + ", '@') = 0 THEN left("
                    + hmac(q, params) + ", 16) ELSE left(" + hmac(q, params) + ", 16) || '@' || split_part(" + q
                    + ", '@', -1) END";
        };
    }

    /** {@code encode(hmac_sha256(key, value::text), 'hex')}, NULL for NULL; adds the two key blocks to params. */
    private String hmac(String quotedColumn, List<Object> params) {
        params.add(outer);
        params.add(inner);
        return "encode(sha256(?::bytea || sha256(?::bytea || convert_to(" + quotedColumn + "::text, 'UTF8'))), 'hex')";
    }

    /**
     * The HMAC key blocks of RFC 2104 for SHA-256 (block size 64 bytes): a longer key is hashed first.
     *
     * @param key the key's characters (UTF-8), or {@code null}
     * @return {@code [k XOR ipad, k XOR opad]}; zero blocks without a key (shared with the MySQL masks)
     */
    public static byte[][] keyBlocks(char[] key) {
        byte[] k = new byte[HMAC_BLOCK];
        if (key != null) {
            java.nio.ByteBuffer encoded = StandardCharsets.UTF_8.encode(java.nio.CharBuffer.wrap(key));
            byte[] bytes = new byte[encoded.remaining()];
            encoded.get(bytes);
            if (encoded.hasArray()) {
                Arrays.fill(encoded.array(), (byte) 0);
            }
            if (bytes.length > HMAC_BLOCK) {
                try {
                    bytes = MessageDigest.getInstance("SHA-256").digest(bytes);
                } catch (NoSuchAlgorithmException e) {
                    throw new IllegalStateException("this JVM has no SHA-256", e);
                }
            }
            System.arraycopy(bytes, 0, k, 0, bytes.length);
            Arrays.fill(bytes, (byte) 0);
        }
        byte[] in = new byte[HMAC_BLOCK];
        byte[] out = new byte[HMAC_BLOCK];
        for (int i = 0; i < HMAC_BLOCK; i++) {
            in[i] = (byte) (k[i] ^ 0x36);
            out[i] = (byte) (k[i] ^ 0x5c);
        }
        Arrays.fill(k, (byte) 0);
        return new byte[][] {in, out};
    }

    private static int run(Connection c, String what, String sql, List<Object> params) throws SQLException {
        try (Statement sp = c.createStatement()) {
            sp.execute("SAVEPOINT dbrefresh_mask");
        }
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            bind(c, ps, params);
            ps.execute();
            int count = ps.getUpdateCount();
            try (Statement sp = c.createStatement()) {
                sp.execute("RELEASE SAVEPOINT dbrefresh_mask");
            }
            return Math.max(count, 0);
        } catch (SQLException e) {
            try (Statement sp = c.createStatement()) {
                sp.execute("ROLLBACK TO SAVEPOINT dbrefresh_mask");
            }
            // The server's message names the object and the type; it carries no bound value.
            throw new SanitizeException(StepName.SANITIZE, ErrorCode.MASK_FAILED, "masking " + what + " failed: "
                    + e.getMessage().lines().findFirst().orElse("") + " (SQLState " + e.getSQLState() + "). Nothing"
                    + " was swapped in; the old target was kept");
        }
    }

    private static void bind(Connection c, PreparedStatement ps, List<Object> params) throws SQLException {
        for (int i = 0; i < params.size(); i++) {
            Object p = params.get(i);
            if (p instanceof byte[] b) {
                ps.setBytes(i + 1, b);
            } else if (p instanceof List<?> l) {
                Array array = c.createArrayOf("text", l.toArray());
                ps.setArray(i + 1, array);
            } else {
                ps.setString(i + 1, (String) p);
            }
        }
    }

    private static boolean superuser(Connection c) throws SQLException {
        try (Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user")) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    private static Map<String, Column> columns(Connection c, TableMask t) throws SQLException {
        Long oid = null;
        try (PreparedStatement ps = c.prepareStatement("SELECT c.oid FROM pg_catalog.pg_class c JOIN"
                + " pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = ? AND c.relname = ?"
                + " AND c.relkind IN ('r', 'p')")) {
            ps.setString(1, t.schema());
            ps.setString(2, t.table());
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    oid = rs.getLong(1);
                }
            }
        }
        if (oid == null) {
            return null;
        }
        Map<String, Column> columns = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT a.attname, format_type(a.atttypid, a.atttypmod),"
                + " t.typcategory, CASE WHEN a.atttypid IN ('varchar'::regtype, 'bpchar'::regtype) AND a.atttypmod > 4"
                + " THEN a.atttypmod - 4 ELSE 0 END, a.attnotnull, a.attgenerated <> ''"
                + " FROM pg_catalog.pg_attribute a JOIN pg_catalog.pg_type t ON t.oid = a.atttypid"
                + " WHERE a.attrelid = ? AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum")) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    columns.put(rs.getString(1), new Column(rs.getString(1), rs.getString(2), rs.getString(3).charAt(0),
                            rs.getInt(4), rs.getBoolean(5), rs.getBoolean(6)));
                }
            }
        }
        return columns;
    }

    private static String table(TableMask t) {
        return PgIdentifiers.quote(t.schema()) + "." + PgIdentifiers.quote(t.table());
    }

    private static String name(TableMask t, ColumnMask m) {
        return t.qualifiedName() + "." + m.column();
    }
}
