package dev.dbrefresh.engine.mongodb;

import com.mongodb.MongoCommandException;
import com.mongodb.client.MongoClient;
import dev.dbrefresh.contracts.ClusterRestored;
import dev.dbrefresh.contracts.Engine;
import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.contracts.TableRowCount;
import dev.dbrefresh.engine.spi.UsersEngine;
import dev.dbrefresh.runtime.messaging.EventRejectedException;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.runtime.plan.MongoSettings;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.plan.UserSpec;
import dev.dbrefresh.runtime.secrets.SecretResolver;
import jakarta.inject.Singleton;
import java.util.List;
import java.util.Set;

/**
 * The {@code mongodb} engine's verification and users, in that order:
 * <ol>
 *   <li>verify: every collection of the snapshot's manifest (target-side store) has its document count and
 *       order-independent checksum in the target database ({@link ManifestVerifier}); a difference, a missing
 *       collection or a collection the manifest does not list refuses the run with {@code VERIFY_MISMATCH} naming
 *       the collections. Read only.</li>
 *   <li>users: the plan's users created or updated in {@value MongoEndpoints#AUTH_DB} with roles on the target
 *       database, by {@link MongoUserApplier} ({@code usersInfo}, {@code createUser},
 *       {@code updateUser}, {@code grantRolesToUser}; the grants' privileges are MongoDB role names). A server that
 *       answers these commands with CommandNotFound (code 59; mongo-java-server does) refuses the run with
 *       {@code USERS_NOT_SUPPORTED}; an invalid user or grant with {@code PLAN_INVALID}, before any command.</li>
 * </ol>
 * Both are idempotent: a redelivered event verifies again and finds the users in place.
 */
@Singleton
public class MongoUsersEngine implements UsersEngine {

    /** MongoDB's code for an unknown command (https://www.mongodb.com/docs/manual/reference/error-codes/). */
    static final int COMMAND_NOT_FOUND = 59;
    /** At most this many mismatched collections are named in a refusal. */
    private static final int MISMATCHES_NAMED = 20;

    private final SecretResolver secrets;
    private final MongoUserApplier applier;
    private final ManifestVerifier verifier = new ManifestVerifier();

    /** @param secrets resolves the target's and the users' password references */
    public MongoUsersEngine(SecretResolver secrets) {
        this.secrets = secrets;
        this.applier = new MongoUserApplier(secrets);
    }

    @Override
    public Set<Engine> engines() {
        return Set.of(Engine.MONGODB);
    }

    /** The event must name the plan's target database on the plan's target host and port. */
    @Override
    public void requireFits(RefreshPlan plan, ClusterRestored restored) {
        DatabaseEndpoint target = plan.mongodb().target();
        if (!target.database().equals(restored.database()) || !target.host().equals(restored.endpoint())
                || target.port() != restored.port()) {
            throw new EventRejectedException("it names database " + restored.database() + " on " + restored.endpoint()
                    + ":" + restored.port() + ", the plan's target is " + plan.targetId());
        }
    }

    @Override
    public Outcome apply(RefreshPlan plan, ClusterRestored restored, StepContext ctx) throws Exception {
        MongoSettings m = plan.mongodb();
        DatabaseEndpoint target = m.target();
        if (restored.dryRun()) {
            ctx.planned(StepName.VERIFY, "compare every collection's document count and checksum with the manifest of "
                    + restored.snapshotId());
            for (UserSpec u : plan.users()) {
                ctx.planned(StepName.USERS, "create or update user " + u.name() + " with " + u.grants().size()
                        + " grants on " + m.targetId());
            }
            return new Applied(plan.users().stream().map(UserSpec::name).toList(), List.of(), 0);
        }
        MongoSnapshotStore store = new MongoSnapshotStore(m.targetStore());
        var snapshot = store.find(restored.snapshotId());
        if (snapshot.isEmpty()) {
            return new Refused(StepName.VERIFY, ErrorCode.SNAPSHOT_NOT_FOUND, "manifest of snapshot "
                    + restored.snapshotId() + " is not in " + store.root() + "; cannot verify the restored data");
        }
        DumpManifest manifest = snapshot.get().manifest();
        try (MongoClient client = MongoEndpoints.open(target, m.targetConnection(), secrets)) {
            var report = ctx.step(StepName.VERIFY, () -> verifier.verify(client.getDatabase(target.database()),
                    manifest), r -> r.ok() ? r.checks().size() + " collections, " + manifest.totalDocuments()
                    + " documents match the manifest's counts and checksums" : "mismatches: " + describe(r));
            if (!report.ok()) {
                return new Refused(StepName.VERIFY, ErrorCode.VERIFY_MISMATCH, "restored data of " + m.targetId()
                        + " differs from snapshot " + restored.snapshotId() + ": " + describe(report)
                        + "; the restore is incomplete or the target was written to during verification");
            }
            List<String> users;
            try {
                users = ctx.step(StepName.USERS, () -> plan.users().isEmpty() ? List.<String>of()
                        : applier.apply(client, target.database(),
                                MongoEndpoints.user(target, m.targetConnection(), secrets), plan.users()),
                        names -> names.isEmpty() ? "plan lists no users" : "applied users and roles: " + names);
            } catch (IllegalArgumentException e) {
                return new Refused(StepName.USERS, ErrorCode.PLAN_INVALID, "plan '" + plan.name() + "': "
                        + e.getMessage() + "; no user was created or changed");
            } catch (IllegalStateException e) {
                if (e.getCause() instanceof MongoCommandException c && c.getErrorCode() == COMMAND_NOT_FOUND) {
                    return new Refused(StepName.USERS, ErrorCode.USERS_NOT_SUPPORTED, m.targetId() + " does not offer"
                            + " MongoDB's user management commands (" + c.getErrorCodeName() + ", code "
                            + COMMAND_NOT_FOUND + "); the data was restored and verified, no user was created. Remove"
                            + " the plan's users or refresh onto a server with user management");
                }
                throw e;
            }
            List<TableRowCount> verified = report.checks().stream()
                    .map(c -> new TableRowCount(target.database(), c.name(), c.actualCount())).toList();
            return new Applied(users, verified, manifest.totalDocuments());
        }
    }

    private static String describe(ManifestVerifier.Report report) {
        List<String> named = report.checks().stream().filter(c -> !c.ok()).limit(MISMATCHES_NAMED)
                .map(c -> c.name() + " expected " + c.expectedCount() + " documents (" + c.expectedChecksum()
                        + "), found " + (c.actualCount() < 0 ? "no such collection" : c.actualCount() + " documents ("
                        + c.actualChecksum() + ")")).toList();
        String more = report.mismatched().size() > MISMATCHES_NAMED
                ? " and " + (report.mismatched().size() - MISMATCHES_NAMED) + " more collections" : "";
        return named + more + (report.unexpected().isEmpty() ? "" : "; not in the manifest: " + report.unexpected());
    }
}
