package dev.dbrefresh.engine.rds;

import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.engine.postgres.PgTools;
import dev.dbrefresh.engine.postgres.sanitize.PgCron;
import dev.dbrefresh.engine.postgres.sanitize.PgIsolation;
import dev.dbrefresh.engine.postgres.sanitize.PgMasker;
import dev.dbrefresh.engine.postgres.sanitize.PgStagingSafety;
import dev.dbrefresh.runtime.audit.AuditLog;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.plan.SanitizeSettings;
import dev.dbrefresh.runtime.secrets.SecretResolver;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The {@code aurora-postgresql} engine's safety steps, run by users-service on the restored cluster before the
 * plan's users are created: {@code isolate} ({@link PgIsolation}: foreign servers, subscriptions, {@code pg_cron}
 * jobs, event triggers, {@code CONNECT} from {@code PUBLIC}; every job of the cluster's pg_cron, which keeps them in
 * the database {@code cron.database_name} names (default {@code postgres}, usually not the plan's database: a
 * restored cluster brings it along, {@link PgCron}), deleted; and, since a restored cluster brings production's roles
 * along and serves nothing else, every login role but the master user, the plan's users, {@code keep-roles} and
 * RDS's own ({@code rds*}, {@code pg_*}) made {@code NOLOGIN}), {@code sanitize}/{@code verify-masks}
 * ({@link PgMasker}, once per run: a redelivery finds the step in the run's audit log) and {@code analyze}.
 */
public final class AuroraPostgresSafety {

    private final PgTools tools;
    private final SecretResolver secrets;
    private final AuditLog audit;
    private final Predicate<String> inScope;

    /**
     * @param tools   JDBC access
     * @param secrets resolves the masking key reference
     * @param audit   the audit log (was this run's masking already done?)
     * @param inScope which roles isolation may lock: every one on a restored cluster (tests on a shared server
     *                narrow it to their own)
     */
    public AuroraPostgresSafety(PgTools tools, SecretResolver secrets, AuditLog audit, Predicate<String> inScope) {
        this.tools = tools;
        this.secrets = secrets;
        this.audit = audit;
        this.inScope = inScope;
    }

    /**
     * @param plan   an {@code aurora-postgresql} plan
     * @param target the restored cluster's database, as the master user
     * @param master the master password; not cleared here
     * @param ctx    the audit of this delivery
     * @throws Exception what a step threw ({@code SanitizeException} for a refusal)
     */
    public void apply(RefreshPlan plan, DatabaseEndpoint target, char[] master, StepContext ctx) throws Exception {
        SanitizeSettings s = plan.cluster().sanitize();
        Set<String> spared = ClusterSafety.spared(plan);
        try (Connection c = tools.connect(target, master)) {
            c.setAutoCommit(true);
            if (s.isolation()) {
                List<String> roles = loginRoles(c);
                ctx.step(StepName.ISOLATE, () -> new PgIsolation(spared, true).isolate(c, target.database(), roles)
                        .withCronJobsDeleted(cronJobsElsewhere(c, target, master)), PgIsolation.Findings::describe);
            } else {
                ctx.skipped(StepName.ISOLATE, "sanitize.isolation: false in the plan; foreign servers, subscriptions,"
                        + " jobs, event triggers and production's roles were left as restored");
            }
            ClusterSafety.maskOnce(s, secrets, audit, ctx, key -> PgStagingSafety.mask(c, new PgMasker(s, key), ctx));
            ctx.step(StepName.ANALYZE, () -> PgStagingSafety.analyze(c), d -> d);
        }
    }

    /**
     * Deletes every pg_cron job of the restored cluster's cron database ({@code cron.database_name}) when that is not
     * the plan's database (which {@link PgIsolation} already cleared): the whole cluster was restored from
     * production's snapshot, so every job there is production's, whichever database it runs against.
     *
     * @return the deleted jobs; empty when pg_cron is not loaded, or its database is the plan's, absent, or without
     *         the extension
     */
    private List<String> cronJobsElsewhere(Connection c, DatabaseEndpoint target, char[] master) throws SQLException {
        java.util.Optional<String> cronDb = PgCron.cronDatabase(c);
        if (cronDb.isEmpty() || cronDb.get().equals(target.database()) || !databaseExists(c, cronDb.get())) {
            return List.of();
        }
        try (Connection cron = tools.connect(target.withDatabase(cronDb.get()), master)) {
            cron.setAutoCommit(true);
            return PgCron.installedIn(cron) ? PgCron.deleteJobs(cron) : List.of();
        }
    }

    private static boolean databaseExists(Connection c, String database) throws SQLException {
        try (var ps = c.prepareStatement("SELECT 1 FROM pg_catalog.pg_database WHERE datname = ?")) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next();
            }
        }
    }

    private List<String> loginRoles(Connection c) throws SQLException {
        List<String> roles = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT rolname FROM pg_catalog.pg_roles"
                + " WHERE rolcanlogin AND rolname !~ '^(rds|pg_)' ORDER BY 1")) {
            while (rs.next()) {
                if (inScope.test(rs.getString(1))) {
                    roles.add(rs.getString(1));
                }
            }
        }
        return roles;
    }
}
