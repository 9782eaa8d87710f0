package dev.dbrefresh.engine.rds;

import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.engine.postgres.PgTools;
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
 * jobs, event triggers, {@code CONNECT} from {@code PUBLIC}; and, since a restored cluster brings production's roles
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
                ctx.step(StepName.ISOLATE, () -> new PgIsolation(spared, true).isolate(c, target.database(), roles),
                        PgIsolation.Findings::describe);
            } else {
                ctx.skipped(StepName.ISOLATE, "sanitize.isolation: false in the plan; foreign servers, subscriptions,"
                        + " jobs, event triggers and production's roles were left as restored");
            }
            ClusterSafety.maskOnce(s, secrets, audit, ctx, key -> PgStagingSafety.mask(c, new PgMasker(s, key), ctx));
            ctx.step(StepName.ANALYZE, () -> PgStagingSafety.analyze(c), d -> d);
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
