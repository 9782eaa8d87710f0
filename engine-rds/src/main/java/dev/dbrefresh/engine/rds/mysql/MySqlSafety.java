package dev.dbrefresh.engine.rds.mysql;

import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.runtime.audit.AuditLog;
import dev.dbrefresh.engine.rds.ClusterSafety;
import dev.dbrefresh.runtime.messaging.StepContext;
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
 * The {@code aurora-mysql} engine's safety steps, run by users-service on the restored cluster before the plan's
 * users are created or unlocked: {@code isolate} ({@link MySqlIsolation}, unless {@code sanitize.isolation: false}:
 * events and {@code FEDERATED} tables of every user schema of the restored cluster, not only the plan's database,
 * since the restore brought production's whole cluster; federated servers; production's accounts locked),
 * {@code sanitize} ({@link MySqlMasker}, where the plan has masks; once per run: a redelivery finds the step in the
 * run's audit log and does not mask masked values again) and {@code analyze} ({@code ANALYZE TABLE} of every base
 * table of the plan's database). Refusals are {@code SanitizeException}s; the old cluster is still kept (it is
 * deleted only after a verified run).
 */
public final class MySqlSafety {

    private final SecretResolver secrets;
    private final AuditLog audit;
    private final Predicate<String> inScope;
    private final Predicate<String> schemas;

    /**
     * The scope of a restored cluster: every account and federated server, every user schema.
     *
     * @param secrets resolves the masking key reference
     * @param audit   the audit log (was this run's masking already done?)
     */
    public MySqlSafety(SecretResolver secrets, AuditLog audit) {
        this(secrets, audit, name -> true, MySqlIsolation.EVERY_USER_SCHEMA);
    }

    /**
     * @param secrets resolves the masking key reference
     * @param audit   the audit log
     * @param inScope which accounts and federated servers isolation may lock or drop (every one on a restored
     *                cluster; tests on a shared server narrow it to their own)
     * @param schemas which schemas' events and {@code FEDERATED} tables isolation drops besides the plan's database
     *                ({@link MySqlIsolation#EVERY_USER_SCHEMA} on a restored cluster; tests narrow it to their own)
     */
    public MySqlSafety(SecretResolver secrets, AuditLog audit, Predicate<String> inScope, Predicate<String> schemas) {
        this.secrets = secrets;
        this.audit = audit;
        this.inScope = inScope;
        this.schemas = schemas;
    }

    /**
     * @param plan   an {@code aurora-mysql} plan
     * @param target the restored cluster's database, as the master user
     * @param master the master password; not cleared here
     * @param ctx    the audit of this delivery
     * @throws Exception what a step threw ({@code SanitizeException} for a refusal)
     */
    public void apply(RefreshPlan plan, MySqlTarget target, char[] master, StepContext ctx) throws Exception {
        SanitizeSettings s = plan.cluster().sanitize();
        Set<String> spared = ClusterSafety.spared(plan);
        try (Connection c = target.connect(master)) {
            if (s.isolation()) {
                MySqlIsolation isolation = new MySqlIsolation(spared, inScope, schemas);
                ctx.step(StepName.ISOLATE, () -> isolation.isolate(c, target.database()),
                        MySqlIsolation.Findings::describe);
            } else {
                ctx.skipped(StepName.ISOLATE, "sanitize.isolation: false in the plan; events, federated tables and"
                        + " production's accounts were left as restored");
            }
            ClusterSafety.maskOnce(s, secrets, audit, ctx, key -> ctx.step(StepName.SANITIZE,
                    () -> new MySqlMasker(s, key).mask(c, target.database()),
                    d -> "masked and verified " + String.join("; ", d)));
            ctx.step(StepName.ANALYZE, () -> analyze(c, target.database()), d -> d);
        }
    }

    private static String analyze(Connection c, String database) throws SQLException {
        List<String> tables = new ArrayList<>();
        try (var ps = c.prepareStatement("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ?"
                + " AND TABLE_TYPE = 'BASE TABLE' ORDER BY TABLE_NAME")) {
            ps.setString(1, database);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    tables.add(MySqlIdentifiers.quote(database, "database") + "." + MySqlIdentifiers.quote(rs.getString(1),
                            "table name"));
                }
            }
        }
        if (!tables.isEmpty()) {
            try (Statement st = c.createStatement()) {
                st.execute("ANALYZE TABLE " + String.join(", ", tables));
            }
        }
        return "ANALYZE TABLE of " + tables.size() + " tables";
    }
}
