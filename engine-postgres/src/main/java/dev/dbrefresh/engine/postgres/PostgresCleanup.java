package dev.dbrefresh.engine.postgres;

import dev.dbrefresh.contracts.Engine;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.contracts.UsersApplied;
import dev.dbrefresh.engine.spi.CleanupEngine;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.secrets.SecretResolver;
import java.sql.Connection;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * After a {@code postgres} plan's run (notifier-service): for a plan with {@code fast-path: template}, the
 * retention of its clones, {@link StepName#RETENTION}: the clones of the plan's target whose TTL passed are dropped
 * ({@link PgClones#dropExpired}), and only those. A plan without the fast path has no clones and nothing is done;
 * the postgres restore itself leaves nothing behind (it swaps its staging database). Idempotent: a second delivery
 * finds nothing more to drop.
 */
@jakarta.inject.Singleton
public class PostgresCleanup implements CleanupEngine {

    private final SecretResolver secrets;
    private final PgTools tools = new PgTools(null);
    private final Clock clock;

    /** @param secrets secret resolver (the target's password) */
    @jakarta.inject.Inject
    public PostgresCleanup(SecretResolver secrets) {
        this(secrets, Clock.systemUTC());
    }

    /**
     * @param secrets secret resolver (the target's password)
     * @param clock   the time a TTL is compared with (tests pass a fixed one)
     */
    public PostgresCleanup(SecretResolver secrets, Clock clock) {
        this.secrets = secrets;
        this.clock = clock;
    }

    @Override
    public Set<Engine> engines() {
        return Set.of(Engine.POSTGRES);
    }

    @Override
    public void afterSuccess(RefreshPlan plan, UsersApplied applied, StepContext ctx) throws Exception {
        if (!plan.postgres().templateFastPath()) {
            return;
        }
        String of = plan.postgres().pristineOf();
        ctx.step(StepName.RETENTION, () -> dropExpired(plan, of), dropped -> dropped.isEmpty()
                ? "no clone of " + of + " has expired" : "dropped expired clones of " + of + ": " + dropped);
    }

    private List<String> dropExpired(RefreshPlan plan, String of) throws java.sql.SQLException {
        var target = plan.target();
        char[] password = target.passwordSecret() == null ? null : secrets.resolve(target.passwordSecret());
        try (Connection c = tools.connect(target.withDatabase(PgRestorer.MAINTENANCE_DB), password)) {
            c.setAutoCommit(true);
            return PgClones.dropExpired(c, of, clock.instant());
        } finally {
            if (password != null) {
                Arrays.fill(password, '\0');
            }
        }
    }

    @Override
    public String afterFailure(RefreshPlan plan, String runId, StepContext ctx) {
        return null;
    }
}
