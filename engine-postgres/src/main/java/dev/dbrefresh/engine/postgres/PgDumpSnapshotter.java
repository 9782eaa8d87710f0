package dev.dbrefresh.engine.postgres;

import dev.dbrefresh.contracts.Engine;
import dev.dbrefresh.contracts.SnapshotManifest;
import dev.dbrefresh.contracts.TableChecksum;
import dev.dbrefresh.contracts.TableRowCount;
import dev.dbrefresh.engine.postgres.sanitize.PgContentChecksums;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.engine.postgres.store.SnapshotStore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Takes a consistent snapshot of a PostgreSQL database into a {@link SnapshotStore}: a {@code pg_dump}
 * custom-format archive plus a manifest with the exact row count of every table, both read from the
 * same database snapshot.
 *
 * <p>How the counts and the dump see the same data: a JDBC transaction is opened with
 * {@code BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY}, exports its snapshot with
 * {@code pg_export_snapshot()} and stays open while {@code pg_dump --snapshot=<id>} runs, which imports
 * that snapshot; the transaction counts the rows while pg_dump runs (both at once, not one after the other). An exported snapshot can only be imported while the exporting
 * transaction is still open. Sources: PostgreSQL docs "System Administration Functions / Snapshot
 * Synchronization Functions" (https://www.postgresql.org/docs/15/functions-admin.html#FUNCTIONS-SNAPSHOT-SYNCHRONIZATION)
 * and "pg_dump" option {@code --snapshot} (https://www.postgresql.org/docs/15/app-pgdump.html).
 *
 * <p>Counted tables: every ordinary ({@code relkind 'r'}) and partitioned ({@code 'p'}) table that is
 * not temporary and not in {@code pg_catalog}, {@code information_schema} or a {@code pg_toast*} schema,
 * nor one of pg_cron's own tables (never restored, {@link dev.dbrefresh.engine.postgres.sanitize.PgCron}).
 * A partitioned table's count includes its partitions, which are also counted themselves.
 */
public final class PgDumpSnapshotter {

    /** Engine id written into manifests. */
    public static final String ENGINE = Engine.POSTGRES.id();
    /** Dump format written into manifests: {@code pg_dump -Fc}. */
    public static final String FORMAT = "pg_dump-custom";
    /** Dump file name inside the snapshot directory. */
    public static final String DUMP_FILE = "dump.pgdump";
    /**
     * {@code pg_dump --compress} level of the custom-format archive: 1, the fastest zlib level. The dump's time
     * is mostly zlib at the default level 6 ({@code pg_dump} compresses in its own, single process); level 1
     * dumped pgbench scale 20 in 1.5-1.6 s instead of 1.9-2.2 s with an archive 2% larger (README, Performance).
     */
    static final int COMPRESSION = 1;
    /** Default time limit of one {@code pg_dump} run. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofHours(6);

    static final String TABLES_SQL = """
            SELECT n.nspname, c.relname
              FROM pg_catalog.pg_class c
              JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
             WHERE c.relkind IN ('r', 'p')
               AND c.relpersistence <> 't'
               AND n.nspname NOT IN ('pg_catalog', 'information_schema')
               AND n.nspname NOT LIKE 'pg\\_toast%'
               AND n.nspname NOT LIKE 'pg\\_temp\\_%'
            """ + " AND " + dev.dbrefresh.engine.postgres.sanitize.PgCron.NOT_PG_CRON_TABLE;

    private final PgTools tools;
    private final Duration timeout;

    /**
     * Uses {@link #DEFAULT_TIMEOUT} for {@code pg_dump}.
     *
     * @param tools access to the server and {@code pg_dump}
     */
    public PgDumpSnapshotter(PgTools tools) {
        this(tools, DEFAULT_TIMEOUT);
    }

    /**
     * @param tools   access to the server and {@code pg_dump}
     * @param timeout time limit of one {@code pg_dump} run; on expiry it is killed and the snapshot fails
     */
    public PgDumpSnapshotter(PgTools tools, Duration timeout) {
        this.tools = Objects.requireNonNull(tools, "tools");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /**
     * Takes snapshot {@code snapshotId} of {@code source} into {@code store}, unless the store already
     * has it (then nothing is dumped and the existing manifest is returned: redelivery is harmless).
     *
     * @param source     the database to dump; its user needs to read every table
     * @param password   that user's password, or {@code null} where the server trusts the connection;
     *                   not cleared by this method
     * @param store      where the snapshot is published (atomically; a failure leaves nothing behind)
     * @param snapshotId the snapshot's id, see {@link SnapshotStore#ID_REGEX}
     * @return the manifest: engine {@code postgres}, format {@value #FORMAT}, file {@value #DUMP_FILE},
     *         size in bytes, {@code sha256:} checksum, row counts sorted by schema then table, createdAt =
     *         the UTC time the database snapshot was exported
     * @throws IllegalArgumentException when the snapshot id is invalid
     * @throws PgToolException          when {@code pg_dump} is missing, fails (also when a table lock is not
     *                                  granted within {@link PgTools#timeouts()}' lock timeout:
     *                                  {@code --lock-wait-timeout}) or runs past the deadline given to the
     *                                  constructor
     * @throws IllegalStateException    when the source cannot be reached or queried, e.g. a table stays locked
     *                                  by another session past the lock timeout (cause: the {@link SQLException})
     * @throws UncheckedIOException     when the store cannot be written
     */
    public SnapshotManifest snapshot(DatabaseEndpoint source, char[] password, SnapshotStore store, String snapshotId) {
        return snapshot(source, password, store, snapshotId, null);
    }

    /**
     * As {@link #snapshot(DatabaseEndpoint, char[], SnapshotStore, String)}, recording in the manifest the
     * plan and the source's identity as the dumped server states it ({@code pg_control_system()}, read on
     * the connection that exports the dump's snapshot), so later runs accept it only for that source.
     *
     * @param source     the database to dump
     * @param password   that user's password, or {@code null}
     * @param store      where the snapshot is published
     * @param snapshotId the snapshot's id
     * @param plan       the plan taking it, or {@code null}
     * @return the manifest, with {@link SnapshotManifest#plan()} and {@link SnapshotManifest#sourceIdentity()}
     * @throws IllegalArgumentException when the snapshot id is invalid
     * @throws PgToolException          when {@code pg_dump} is missing, fails or times out
     * @throws IllegalStateException    when the source cannot be reached or queried
     * @throws UncheckedIOException     when the store cannot be written
     */
    public SnapshotManifest snapshot(DatabaseEndpoint source, char[] password, SnapshotStore store, String snapshotId,
            String plan) {
        return snapshot(source, password, store, snapshotId, plan, false);
    }

    /**
     * As {@link #snapshot(DatabaseEndpoint, char[], SnapshotStore, String, String)}, and with {@code checksums} also
     * every ordinary table's content checksum ({@link PgContentChecksums}), read in the same exported snapshot as the
     * counts and the dump, into {@link SnapshotManifest#checksums()}.
     *
     * @param source     the database to dump
     * @param password   that user's password, or {@code null}
     * @param store      where the snapshot is published
     * @param snapshotId the snapshot's id
     * @param plan       the plan taking it, or {@code null}
     * @param checksums  whether to read the content checksums (one more read of every row)
     * @return the manifest
     * @throws IllegalArgumentException when the snapshot id is invalid
     * @throws PgToolException          when {@code pg_dump} is missing, fails or times out
     * @throws IllegalStateException    when the source cannot be reached or queried
     * @throws UncheckedIOException     when the store cannot be written
     */
    public SnapshotManifest snapshot(DatabaseEndpoint source, char[] password, SnapshotStore store, String snapshotId,
            String plan, boolean checksums) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(store, "store");
        SnapshotStore.requireValidId(snapshotId);
        Optional<SnapshotManifest> existing = store.find(snapshotId);
        if (existing.isPresent()) {
            return existing.get();
        }
        Path staging = store.newStagingDir(snapshotId);
        try {
            Path dump = staging.resolve(DUMP_FILE);
            Instant createdAt;
            List<TableRowCount> tables;
            List<TableChecksum> sums = null;
            String identity;
            try (Connection c = tools.connect(source, password); Statement st = c.createStatement()) {
                identity = PostgresIdentity.identity(c, source.database()).key();
                st.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY");
                String exported;
                try (ResultSet rs = st.executeQuery("SELECT pg_export_snapshot()")) {
                    rs.next();
                    exported = rs.getString(1);
                }
                createdAt = Instant.now();
                List<String> cmd = new ArrayList<>();
                cmd.add(tools.binary("pg_dump").toString());
                cmd.add("--format=custom");
                cmd.add("--compress=" + COMPRESSION);
                cmd.add("--snapshot=" + exported);
                // pg_dump locks every table; a session holding a conflicting lock must not stall it for hours.
                cmd.add("--lock-wait-timeout=" + tools.timeouts().lockTimeout().toMillis());
                cmd.addAll(PgTools.connectionOptions(source));
                cmd.add("--file=" + dump);
                // The counts read the same exported snapshot on this connection while pg_dump reads it on its
                // own: both run at once instead of one after the other (measured with bench/run, README).
                java.util.concurrent.FutureTask<String> dumping = new java.util.concurrent.FutureTask<>(
                        () -> tools.run(cmd, source, password, timeout));
                Thread dumper = new Thread(dumping, "pg_dump-" + snapshotId);
                dumper.setDaemon(true);
                dumper.start();
                try {
                    tables = countRows(st);
                    if (checksums) {
                        sums = PgContentChecksums.read(st);
                    }
                } catch (SQLException | RuntimeException e) {
                    dumper.interrupt(); // PgTools.run kills pg_dump when interrupted
                    awaitQuietly(dumping);
                    throw e;
                }
                awaitDump(dumping);
                st.execute("COMMIT");
            } catch (SQLException e) {
                throw new IllegalStateException("cannot snapshot " + source.display() + " as user "
                        + source.username() + ": " + e.getMessage() + " (SQLState " + e.getSQLState() + ")", e);
            }
            long size = Files.size(dump);
            SnapshotManifest manifest = new SnapshotManifest(snapshotId, ENGINE, source.display(), createdAt, FORMAT,
                    DUMP_FILE, size, SnapshotStore.sha256(dump), List.copyOf(tables)).ofSource(plan, identity).withChecksums(sums);
            return store.commit(staging, manifest);
        } catch (IOException e) {
            store.discardStaging(staging);
            throw new UncheckedIOException("cannot read the dump of " + source.display() + " in " + staging, e);
        } catch (RuntimeException e) {
            store.discardStaging(staging);
            throw e;
        }
    }

    private static void awaitDump(java.util.concurrent.FutureTask<String> dumping) {
        try {
            dumping.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PgToolException("interrupted while pg_dump ran", PgToolException.NO_EXIT_CODE, "", e);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private static void awaitQuietly(java.util.concurrent.FutureTask<String> dumping) {
        try {
            dumping.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException expected) {
            // killed because the counts failed; the counts' failure is what the caller reports
        }
    }

    private static List<TableRowCount> countRows(Statement st) throws SQLException {
        List<TableRowCount> names = new ArrayList<>();
        try (ResultSet rs = st.executeQuery(TABLES_SQL)) {
            while (rs.next()) {
                names.add(new TableRowCount(rs.getString(1), rs.getString(2), 0));
            }
        }
        names.sort(Comparator.comparing(TableRowCount::schema).thenComparing(TableRowCount::table));
        List<TableRowCount> counted = new ArrayList<>(names.size());
        for (TableRowCount t : names) {
            String sql = "SELECT count(*) FROM " + PgIdentifiers.quote(t.schema()) + "." + PgIdentifiers.quote(t.table());
            try (ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                counted.add(new TableRowCount(t.schema(), t.table(), rs.getLong(1)));
            }
        }
        return counted;
    }
}
