package dev.dbrefresh.engine.postgres;

import dev.dbrefresh.contracts.Engine;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.contracts.UsersApplied;
import dev.dbrefresh.engine.spi.CleanupEngine;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.secrets.EnvFileSecretResolver;
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
 *
 * <p>notifier-service does not read Secrets Manager (its IAM policy, docs/aws.md): the target's password is read
 * only from an {@code env:} or {@code file:} reference (or none, where the server trusts the connection); with
 * another reference the step is recorded as skipped, with what to do, and nothing is dropped.
 */
@jakarta.inject.Singleton
public class PostgresCleanup implements CleanupEngine {

    private final EnvFileSecretResolver secrets;
    private final PgTools tools = new PgTools(null);
    private final Clock clock;

    /** Resolves {@code env:} and {@code file:} password references of this process; the clock is the system's. */
    @jakarta.inject.Inject
    public PostgresCleanup() {
        this(System::getenv, Clock.systemUTC());
    }

    /**
     * @param env   environment lookup for {@code env:} password references (tests pass a map's {@code get})
     * @param clock the time a TTL is compared with (tests pass a fixed one)
     */
    public PostgresCleanup(java.util.function.Function<String, String> env, Clock clock) {
        this.secrets = new EnvFileSecretResolver(env);
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
        String secret = plan.target().passwordSecret();
        if (secret != null && !secret.startsWith("env:") && !secret.startsWith("file:")) {
            ctx.skipped(StepName.RETENTION, "expired clones of " + of + " not checked: the target's password-secret is"
                    + " not an env: or file: reference, and notifier-service reads no Secrets Manager secret (its IAM"
                    + " policy grants no secretsmanager:GetSecretValue); list them with ./dbrefresh clones and drop"
                    + " the expired ones by hand, or give the notifier the password as env:/file:");
            return;
        }
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
