package dev.dbrefresh.engine.postgres.sanitize;

import dev.dbrefresh.engine.postgres.PgTools;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What dbrefresh knows about {@code pg_cron} (https://github.com/citusdata/pg_cron, version 1.4 here): its jobs are
 * rows of {@code cron.job} (columns {@code jobid, schedule, command, nodename, nodeport, database, username, active,
 * jobname}) in the one database named by the server setting {@code cron.database_name} (default {@code postgres}),
 * and {@code CREATE EXTENSION pg_cron} is refused in every other database ("can only create extension in database
 * ..."). A job runs its command in the database of its {@code database} column, connecting to
 * {@code nodename:nodeport}; {@code cron.job} has row-level security (a role that is neither superuser, nor
 * {@code BYPASSRLS}, nor the table's owner sees only its own jobs).
 *
 * <p>Consequences for a copy, found by running pg_cron 1.4.2 on PostgreSQL 15 ({@code PgCronIsolationTest}):
 * <ul>
 *   <li>A {@code pg_dump} of the cron database carries {@code CREATE EXTENSION pg_cron} and, since {@code cron.job},
 *       {@code cron.job_run_details} and their sequences are extension configuration tables
 *       ({@code pg_extension_config_dump}), production's jobs as table data. {@code pg_restore} of it into the
 *       {@code postgres} engine's staging database fails on {@code CREATE EXTENSION} (the staging database is never
 *       the server's cron database; on a server without pg_cron loaded the extension is unknown or its setting
 *       missing). Restored into a server's cron database, the jobs would be scheduled at once, still pointing at
 *       production's {@code nodename:nodeport}. So the {@code postgres} engine never restores pg_cron's entries
 *       ({@link #restoreListWithout}): the copy has neither the extension nor production's jobs, the rest restores,
 *       and isolation names the jobs left out ({@link #jobsInDump}). pg_cron's tables are also left out of the
 *       snapshot's row counts and checksums ({@link #NOT_PG_CRON_TABLE}).</li>
 *   <li>A restored Aurora cluster brings its cron database along, wherever the plan's database is: isolation deletes
 *       every job there ({@link #deleteJobs}), since every one of them is production's.</li>
 * </ul>
 */
public final class PgCron {

    /**
     * An SQL condition on {@code c} (a {@code pg_catalog.pg_class} row) that holds unless the table belongs to
     * extension {@code pg_cron} (a {@code pg_depend} entry of type {@code e}).
     */
    public static final String NOT_PG_CRON_TABLE = """
            NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_extension e ON e.oid = d.refobjid
                         WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.objid = c.oid
                           AND d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.deptype = 'e'
                           AND e.extname = 'pg_cron')""";

    /** {@code pg_restore --list} lines of pg_cron's own entries: the extension, its comment, its tables' data. */
    private static final Pattern ENTRY = Pattern.compile("^\\d+; \\d+ \\d+ (EXTENSION - pg_cron|COMMENT - EXTENSION"
            + " pg_cron|TABLE DATA cron (job|job_run_details)|SEQUENCE SET cron (jobid_seq|runid_seq))( .*)?$");
    private static final Pattern EXTENSION = Pattern.compile("^\\d+; \\d+ \\d+ EXTENSION - pg_cron( .*)?$");

    private PgCron() {
    }

    /**
     * @param toc the output of {@code pg_restore --list} of an archive
     * @return the same list with pg_cron's entries commented out (a line starting with {@code ;} is ignored by
     *         {@code pg_restore --use-list}, PostgreSQL docs "pg_restore"), for {@code --use-list}; empty when the
     *         archive does not create extension pg_cron (then a schema {@code cron} is the user's own and restored)
     */
    public static Optional<String> restoreListWithout(String toc) {
        if (toc.lines().noneMatch(l -> EXTENSION.matcher(l).matches())) {
            return Optional.empty();
        }
        StringBuilder out = new StringBuilder();
        toc.lines().forEach(l -> out.append(ENTRY.matcher(l).matches() ? ";dbrefresh: pg_cron is not restored: " : "")
                .append(l).append('\n'));
        return Optional.of(out.toString());
    }

    /**
     * The jobs a {@code pg_dump} archive of a cron database holds, read with {@code pg_restore --data-only
     * --schema=cron --table=job --file=-} (nothing is restored).
     *
     * @param tools    where {@code pg_restore} is
     * @param dumpFile a {@code pg_dump -Fc} archive
     * @return one entry per job as {@link #describe}; empty when the archive does not create extension pg_cron
     * @throws dev.dbrefresh.engine.postgres.PgToolException when {@code pg_restore} fails
     */
    public static List<String> jobsInDump(PgTools tools, Path dumpFile) {
        String pgRestore = tools.binary("pg_restore").toString();
        String archive = dumpFile.toAbsolutePath().toString();
        String toc = tools.run(List.of(pgRestore, "--list", archive), null, null, Duration.ofMinutes(10));
        if (restoreListWithout(toc).isEmpty()) {
            return List.of();
        }
        return jobsInCopy(tools.run(List.of(pgRestore, "--data-only", "--schema=cron", "--table=job", "--file=-",
                archive), null, null, Duration.ofMinutes(10)));
    }

    /**
     * @param script a plain-format dump holding {@code COPY cron.job (columns) FROM stdin;} and its rows
     * @return the jobs of those rows as {@link #describe}, in their order
     */
    static List<String> jobsInCopy(String script) {
        List<String> jobs = new ArrayList<>();
        List<String> columns = null;
        for (String line : script.split("\n", -1)) {
            if (columns == null) {
                if (line.startsWith("COPY cron.job (") && line.endsWith(") FROM stdin;")) {
                    columns = List.of(line.substring("COPY cron.job (".length(), line.length() - ") FROM stdin;"
                            .length()).split(", "));
                }
                continue;
            }
            if (line.equals("\\.")) {
                break;
            }
            String[] fields = line.split("\t", -1);
            jobs.add(describe(field(columns, fields, "jobid"), field(columns, fields, "jobname"),
                    field(columns, fields, "schedule"), field(columns, fields, "database")));
        }
        return List.copyOf(jobs);
    }

    /** A field of a {@code COPY} text-format row: {@code \N} is NULL, backslash escapes are undone. */
    private static String field(List<String> columns, String[] fields, String column) {
        int i = columns.indexOf(column);
        if (i < 0 || i >= fields.length || fields[i].equals("\\N")) {
            return null;
        }
        String raw = fields[i];
        StringBuilder out = new StringBuilder(raw.length());
        for (int k = 0; k < raw.length(); k++) {
            char ch = raw.charAt(k);
            if (ch == '\\' && k + 1 < raw.length()) {
                char next = raw.charAt(++k);
                out.append(switch (next) {
                    case 't' -> '\t';
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    default -> next;
                });
            } else {
                out.append(ch);
            }
        }
        return out.toString();
    }

    /**
     * How findings name a job; never its command, which may hold a connection string with a password.
     *
     * @return e.g. {@code 1 nightly-purge (0 3 * * *, database shop)}
     */
    static String describe(String jobid, String jobname, String schedule, String database) {
        return jobid + (jobname == null || jobname.isEmpty() ? "" : " " + jobname) + " (" + schedule + ", database "
                + database + ")";
    }

    /**
     * @param c a connection to any database of the server
     * @return the server's {@code cron.database_name}, or empty when pg_cron is not loaded there (the setting is
     *         then unknown)
     * @throws SQLException when the query fails
     */
    public static Optional<String> cronDatabase(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT pg_catalog.current_setting('cron.database_name', true)");
             ResultSet rs = ps.executeQuery()) {
            rs.next();
            return Optional.ofNullable(rs.getString(1)).filter(s -> !s.isEmpty());
        }
    }

    /**
     * @param c a connection to a database
     * @return whether extension pg_cron is installed in it (then it is the server's cron database)
     * @throws SQLException when the query fails
     */
    public static boolean installedIn(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT 1 FROM pg_catalog.pg_extension WHERE extname = 'pg_cron'"); ResultSet rs = ps.executeQuery()) {
            return rs.next();
        }
    }

    /**
     * The jobs of the cron database {@code c} is connected to.
     *
     * @param c        a connection to the cron database, as a role that sees every job (else {@link SQLException})
     * @param database only the jobs whose {@code database} column names it, or {@code null} for all
     * @return the jobs as {@link #describe}, by {@code jobid}
     * @throws SQLException when pg_cron is not installed there, the role sees only some jobs, or the query fails
     */
    public static List<String> jobs(Connection c, String database) throws SQLException {
        requireSeesEveryJob(c);
        List<String> jobs = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT jobid::text, jobname, schedule, database FROM cron.job"
                + " WHERE ?::text IS NULL OR database = ? ORDER BY jobid")) {
            ps.setString(1, database);
            ps.setString(2, database);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    jobs.add(describe(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4)));
                }
            }
        }
        return List.copyOf(jobs);
    }

    /**
     * Deletes every job of the cron database {@code c} is connected to (rows of {@code cron.job}; pg_cron's trigger
     * on the table makes its scheduler drop them).
     *
     * @param c a connection to the cron database in auto-commit mode, as a role that sees every job
     * @return the deleted jobs as {@link #describe}
     * @throws SQLException when the role would see (and so delete) only some of the jobs (row-level security: it is
     *                      neither superuser, nor {@code BYPASSRLS}, nor the owner of {@code cron.job}), or a
     *                      statement fails
     */
    public static List<String> deleteJobs(Connection c) throws SQLException {
        List<String> jobs = jobs(c, null);
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM cron.job")) {
            ps.execute();
        }
        return jobs;
    }

    private static void requireSeesEveryJob(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT r.rolsuper OR r.rolbypassrls OR pg_catalog.pg_has_role(t.relowner, 'USAGE')
                  FROM pg_catalog.pg_roles r, pg_catalog.pg_class t
                  JOIN pg_catalog.pg_namespace n ON n.oid = t.relnamespace
                 WHERE r.rolname = current_user AND n.nspname = 'cron' AND t.relname = 'job'
                """); ResultSet rs = ps.executeQuery()) {
            if (!rs.next() || !rs.getBoolean(1)) {
                throw new SQLException("role " + c.getMetaData().getUserName() + " sees only its own pg_cron jobs"
                        + " (cron.job has row-level security), so it cannot remove production's jobs from the copy;"
                        + " connect as a superuser, a BYPASSRLS role or the owner of cron.job (the role that ran"
                        + " CREATE EXTENSION pg_cron)", "42501");
            }
        }
    }
}
