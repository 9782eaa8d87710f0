package dev.dbrefresh.engine.postgres.sanitize;

import dev.dbrefresh.engine.postgres.PgIdentifiers;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Cuts a restored PostgreSQL database off from production before anyone but dbrefresh can connect, and says what
 * it found ({@link Findings}).
 *
 * <ul>
 *   <li><b>Foreign servers</b> ({@code postgres_fdw} and any other wrapper; {@code dblink} can name them too):
 *       {@code DROP SERVER ... CASCADE}, which drops their user mappings (where the production passwords are) and
 *       foreign tables. The finding names the server, its wrapper and its host, port and dbname options, never a
 *       mapping's options.</li>
 *   <li><b>Subscriptions</b> of this database: disabled, {@code slot_name = NONE}, dropped, so that dropping them
 *       never connects to the publisher (production) to drop its slot (PostgreSQL docs "DROP SUBSCRIPTION",
 *       https://www.postgresql.org/docs/15/sql-dropsubscription.html).</li>
 *   <li><b>{@code pg_cron} jobs</b>, where the extension is in this database (it is the server's cron database):
 *       every row of {@code cron.job} deleted ({@link PgCron#deleteJobs}; refused with an {@link SQLException} when
 *       row-level security would hide some jobs from the connected role). The {@code postgres} engine never restores
 *       pg_cron ({@link PgCron}); its caller adds the jobs of the snapshot left out and those of the target server's
 *       cron database that run against the copy ({@link Findings#withCron}); {@code aurora-postgresql} adds the jobs
 *       it deleted in the restored cluster's cron database.</li>
 *   <li><b>Event triggers</b>: dropped.</li>
 *   <li>Functions whose body mentions {@code dblink}: counted and reported (their connection strings cannot be
 *       rewritten safely; with the foreign servers gone only literal connection strings remain).</li>
 *   <li><b>Roles.</b> Roles are server-wide in PostgreSQL, and {@code pg_restore --no-owner --no-acl} restores no
 *       role, owner or grant, so "production's roles" on a self-managed target are roles of the target server that
 *       may also serve other databases (on the local stack the production database itself). They are therefore
 *       locked per database: {@code REVOKE CONNECT, TEMPORARY ON DATABASE ... FROM PUBLIC}, so only superusers,
 *       the database's owner (the plan's target user) and the roles the plan's users step grants {@code CONNECT}
 *       can connect. Only with {@code lock-roles: server} are the roles that own objects in the snapshot (the
 *       dump's table of contents), exist on the target server, are not superusers, not the target user, not the
 *       plan's users and not in {@code keep-roles} also made {@code NOLOGIN}.</li>
 * </ul>
 */
public final class PgIsolation {

    private final Set<String> spared;
    private final boolean lockServerRoles;

    /**
     * @param spared          roles never locked: the target (master) user, the plan's users, {@code keep-roles}
     * @param lockServerRoles whether snapshot roles are made {@code NOLOGIN} on the server ({@code lock-roles: server})
     */
    public PgIsolation(Collection<String> spared, boolean lockServerRoles) {
        this.spared = Set.copyOf(Objects.requireNonNull(spared, "spared"));
        this.lockServerRoles = lockServerRoles;
    }

    /**
     * What isolation found and did; every list holds names only.
     *
     * @param foreignServers   dropped servers, e.g. {@code prod_link (postgres_fdw host=db1 port=5432 dbname=shop)}
     * @param userMappings     how many user mappings were dropped with them
     * @param foreignTables    how many foreign tables were dropped with them
     * @param subscriptions    dropped subscriptions
     * @param cronJobs         deleted {@code pg_cron} jobs ({@code <jobid> <jobname> (<schedule>, database <db>)})
     * @param eventTriggers    dropped event triggers
     * @param dblinkFunctions  functions whose body mentions {@code dblink} (left in place)
     * @param lockedRoles      roles made {@code NOLOGIN} ({@code lock-roles: server})
     * @param database         the database whose {@code CONNECT} was revoked from {@code PUBLIC}
     * @param cronJobsNotRestored jobs of the snapshot's pg_cron left out of the restore (the {@code postgres} engine
     *                         never restores pg_cron), as {@code cronJobs}
     * @param cronJobsLeft     jobs of the target server's own cron database that run against this database, left in
     *                         place (the {@code postgres} engine: they are the target server's, not the snapshot's)
     */
    public record Findings(List<String> foreignServers, int userMappings, int foreignTables, List<String> subscriptions,
            List<String> cronJobs, List<String> eventTriggers, List<String> dblinkFunctions, List<String> lockedRoles,
            String database, List<String> cronJobsNotRestored, List<String> cronJobsLeft) {

        /**
         * @param notRestored jobs of the snapshot left out of the restore
         * @param left        jobs of the target server's cron database running against this database, kept
         * @return these findings with both lists
         */
        public Findings withCron(List<String> notRestored, List<String> left) {
            return new Findings(foreignServers, userMappings, foreignTables, subscriptions, cronJobs, eventTriggers,
                    dblinkFunctions, lockedRoles, database, List.copyOf(notRestored), List.copyOf(left));
        }

        /**
         * @param deleted more deleted jobs (those of a restored cluster's cron database, another database)
         * @return these findings with {@code deleted} added to {@link #cronJobs}
         */
        public Findings withCronJobsDeleted(List<String> deleted) {
            List<String> all = new ArrayList<>(cronJobs);
            all.addAll(deleted);
            return new Findings(foreignServers, userMappings, foreignTables, subscriptions, List.copyOf(all),
                    eventTriggers, dblinkFunctions, lockedRoles, database, cronJobsNotRestored, cronJobsLeft);
        }

        /** @return one line for the audit log and the notification, e.g. {@code 1 foreign server dropped (...), ...} */
        public String describe() {
            List<String> parts = new ArrayList<>();
            parts.add(count(foreignServers.size(), "foreign server") + " dropped" + list(foreignServers)
                    + (foreignServers.isEmpty() ? "" : " with " + count(userMappings, "user mapping") + " and "
                    + count(foreignTables, "foreign table")));
            parts.add(count(subscriptions.size(), "subscription") + " dropped" + list(subscriptions));
            parts.add(count(cronJobs.size(), "pg_cron job") + " deleted" + list(cronJobs));
            if (!cronJobsNotRestored.isEmpty()) {
                parts.add("pg_cron not restored, with " + count(cronJobsNotRestored.size(), "job") + " of the snapshot"
                        + list(cronJobsNotRestored));
            }
            if (!cronJobsLeft.isEmpty()) {
                parts.add(count(cronJobsLeft.size(), "pg_cron job") + " of the target server's cron database running"
                        + " against this database left in place (the server's own, not the snapshot's)"
                        + list(cronJobsLeft));
            }
            parts.add(count(eventTriggers.size(), "event trigger") + " dropped" + list(eventTriggers));
            if (!dblinkFunctions.isEmpty()) {
                parts.add(count(dblinkFunctions.size(), "function") + " mentioning dblink left in place"
                        + list(dblinkFunctions));
            }
            parts.add(count(lockedRoles.size(), "role") + " locked (NOLOGIN)" + list(lockedRoles));
            parts.add("CONNECT on the restored database revoked from PUBLIC");
            return String.join(", ", parts);
        }

        private static String count(int n, String what) {
            return n + " " + what + (n == 1 ? "" : "s");
        }

        private static String list(List<String> names) {
            return names.isEmpty() ? "" : " " + names;
        }
    }

    /**
     * @param c           a connection to the restored (staging) database, in auto-commit mode, as a user that may
     *                    drop what it finds (the owner of the objects, or a superuser)
     * @param database    the database's name (its {@code CONNECT} is revoked from {@code PUBLIC})
     * @param snapshotRoles roles owning objects in the snapshot (only used with {@code lock-roles: server})
     * @return what was found and done
     * @throws SQLException when a statement fails; the caller drops the staging database
     */
    public Findings isolate(Connection c, String database, Collection<String> snapshotRoles) throws SQLException {
        exec(c, "REVOKE CONNECT, TEMPORARY ON DATABASE " + PgIdentifiers.quote(database) + " FROM PUBLIC");
        List<String> servers = new ArrayList<>();
        int mappings = 0;
        int tables = 0;
        List<String> serverNames = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("""
                SELECT s.srvname, w.fdwname,
                       (SELECT string_agg(o, ' ') FROM unnest(s.srvoptions) AS o
                         WHERE o ~ '^(host|hostaddr|port|dbname|service)=') AS where_to,
                       (SELECT count(*) FROM pg_catalog.pg_user_mappings m WHERE m.srvid = s.oid),
                       (SELECT count(*) FROM pg_catalog.pg_foreign_table t WHERE t.ftserver = s.oid)
                  FROM pg_catalog.pg_foreign_server s JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid = s.srvfdw
                 ORDER BY s.srvname COLLATE "C"
                """)) {
            while (rs.next()) {
                serverNames.add(rs.getString(1));
                servers.add(rs.getString(1) + " (" + rs.getString(2) + (rs.getString(3) == null ? "" : " "
                        + rs.getString(3)) + ")");
                mappings += rs.getInt(4);
                tables += rs.getInt(5);
            }
        }
        for (String s : serverNames) {
            exec(c, "DROP SERVER " + PgIdentifiers.quote(s) + " CASCADE");
        }
        List<String> subscriptions = names(c, "SELECT subname FROM pg_catalog.pg_subscription WHERE subdbid ="
                + " (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()) ORDER BY 1");
        for (String s : subscriptions) {
            String q = PgIdentifiers.quote(s);
            exec(c, "ALTER SUBSCRIPTION " + q + " DISABLE");
            exec(c, "ALTER SUBSCRIPTION " + q + " SET (slot_name = NONE)");
            exec(c, "DROP SUBSCRIPTION " + q);
        }
        List<String> cron = PgCron.installedIn(c) ? PgCron.deleteJobs(c) : List.of();
        List<String> triggers = names(c, "SELECT evtname FROM pg_catalog.pg_event_trigger ORDER BY 1");
        for (String t : triggers) {
            exec(c, "DROP EVENT TRIGGER " + PgIdentifiers.quote(t));
        }
        List<String> dblink = names(c, "SELECT p.oid::regprocedure::text FROM pg_catalog.pg_proc p"
                + " WHERE p.prosrc ILIKE '%dblink%' AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d"
                + " WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e') ORDER BY 1");
        List<String> locked = new ArrayList<>();
        if (lockServerRoles) {
            for (String role : new TreeSet<>(snapshotRoles)) {
                if (spared.contains(role) || !loginRole(c, role)) {
                    continue;
                }
                exec(c, "ALTER ROLE " + PgIdentifiers.quote(role) + " NOLOGIN");
                locked.add(role);
            }
        }
        return new Findings(List.copyOf(servers), mappings, tables, subscriptions, cron, triggers, dblink,
                List.copyOf(locked), database, List.of(), List.of());
    }

    /** A role that exists on the server, may log in and is not a superuser. */
    private static boolean loginRole(Connection c, String role) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT rolcanlogin AND NOT rolsuper FROM pg_catalog.pg_roles"
                + " WHERE rolname = ?")) {
            ps.setString(1, role);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getBoolean(1);
            }
        }
    }

    private static List<String> names(Connection c, String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return List.copyOf(out);
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
