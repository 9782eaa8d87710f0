package dev.dbrefresh.runtime.plan;

import dev.dbrefresh.contracts.ErrorCode;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The checks that must pass before anything on a target is deleted. Called by snapshot-service
 * when a run starts (so a bad plan changes nothing at all) and again by cluster-service right
 * before the delete.
 *
 * <p>Rules, each with its error code:
 * <ul>
 *   <li>{@code GUARD_TARGET_IS_SOURCE}: the target is the source database: same host, port and name in
 *       the plan, or, by {@link #check(RefreshPlan, PlanIdentities.Identities)}, the same identity as the
 *       servers state it (PostgreSQL system identifier and database; cluster or table ARN);</li>
 *   <li>{@code GUARD_PROTECTED_TARGET}: the target's name fully matches one of the plan's
 *       {@code guards.protected-patterns} or a built-in protected name ({@link #BUILT_IN_PROTECTED}; for
 *       {@code mongodb} plans {@link #MONGODB_BUILT_IN_PROTECTED});</li>
 *   <li>{@code GUARD_TARGET_IN_SOURCE_ACCOUNT} (cluster engines): the target cluster is in the source account.</li>
 * </ul>
 * The cluster engines also require the plan's {@code required-tag} on the existing target cluster;
 * that needs an AWS call and is checked by cluster-service right before the delete
 * ({@code GUARD_MISSING_TAG}).
 */
public final class RefreshGuard {

    /** Databases no plan may ever target: the server's own and dbrefresh's state database. */
    public static final List<String> BUILT_IN_PROTECTED = List.of("postgres", "template0", "template1", "dbrefresh");

    /**
     * MongoDB databases no {@code mongodb} plan may ever target: the server's own ({@code admin} holds the users,
     * {@code local} the replication state, {@code config} the sessions and sharding metadata;
     * https://www.mongodb.com/docs/manual/reference/local-database/, .../config-database/) and dbrefresh's name.
     */
    public static final List<String> MONGODB_BUILT_IN_PROTECTED = List.of("admin", "local", "config", "dbrefresh");

    private RefreshGuard() {
    }

    /**
     * @param plan a plan
     * @return the violated rule, or empty when the target may be replaced
     */
    public static Optional<GuardViolation> check(RefreshPlan plan) {
        if (plan.isCluster()) {
            return checkCluster(plan);
        }
        if (plan.isDynamoDb()) {
            return checkDynamoDb(plan);
        }
        MongoSettings mongo = plan.mongodb();
        if (mongo != null) {
            return checkDatabases(plan, mongo.source(), mongo.target(), mongo.targetId(), MONGODB_BUILT_IN_PROTECTED);
        }
        return checkDatabases(plan, plan.source(), plan.target(), plan.target().display(), BUILT_IN_PROTECTED);
    }

    /** The by-name rules of a plan whose source and target are databases on servers (postgres, mongodb). */
    private static Optional<GuardViolation> checkDatabases(RefreshPlan plan, DatabaseEndpoint source,
            DatabaseEndpoint target, String targetDisplay, List<String> builtIn) {
        if (target.sameDatabaseAs(source)) {
            return Optional.of(new GuardViolation(ErrorCode.GUARD_TARGET_IS_SOURCE, "plan '" + plan.name() + "' targets"
                    + " its own source " + targetDisplay + "; a refresh would delete the production database. Point"
                    + " target at the non-production database"));
        }
        if (builtIn.contains(target.database())) {
            return Optional.of(new GuardViolation(ErrorCode.GUARD_PROTECTED_TARGET, "target database '"
                    + target.database() + "' is a built-in protected database " + builtIn
                    + "; choose another target"));
        }
        for (String p : plan.protectedPatterns()) {
            if (Pattern.compile(p).matcher(target.database()).matches()) {
                return Optional.of(new GuardViolation(ErrorCode.GUARD_PROTECTED_TARGET, "target database '"
                        + target.database() + "' matches protected pattern '" + p + "' of plan '" + plan.name()
                        + "'; change the plan's target or its guards.protected-patterns"));
            }
        }
        return Optional.empty();
    }

    /**
     * The rules of {@link #check(RefreshPlan)}, and the target compared with the source by identity: a
     * target reached through another host name, address or port of the source's server is refused.
     *
     * @param plan       a plan
     * @param identities its source's and target's identities ({@link PlanIdentities#of})
     * @return the violated rule, or empty when the target may be replaced
     */
    public static Optional<GuardViolation> check(RefreshPlan plan, PlanIdentities.Identities identities) {
        Optional<GuardViolation> byName = check(plan);
        if (byName.isPresent()) {
            return byName;
        }
        if (identities.source().key().equals(identities.target().key())) {
            return Optional.of(new GuardViolation(ErrorCode.GUARD_TARGET_IS_SOURCE, "plan '" + plan.name() + "' targets"
                    + " its own source: " + plan.targetId() + " and " + plan.sourceId() + " are the same database "
                    + identities.target().key() + " (as the server identifies itself); a refresh would delete the"
                    + " production database. Point target at the non-production database"));
        }
        return Optional.empty();
    }

    private static Optional<GuardViolation> checkCluster(RefreshPlan plan) {
        ClusterSettings c = plan.cluster();
        if (c.targetAccount().equals(c.sourceAccount()) && c.targetRegion().equals(c.sourceRegion())
                && c.targetCluster().equals(c.sourceCluster())) {
            return Optional.of(new GuardViolation(ErrorCode.GUARD_TARGET_IS_SOURCE, "plan '" + plan.name() + "' targets"
                    + " its own source cluster " + c.sourceId() + "; point target.cluster at the"
                    + " non-production cluster"));
        }
        if (c.targetAccount().equals(c.sourceAccount())) {
            return Optional.of(new GuardViolation(ErrorCode.GUARD_TARGET_IN_SOURCE_ACCOUNT, "target cluster "
                    + c.targetId() + " is in the source (production) account " + c.sourceAccount() + "; dbrefresh"
                    + " deletes targets only outside the source account. Move the target or correct target.account"));
        }
        for (String p : plan.protectedPatterns()) {
            if (Pattern.compile(p).matcher(c.targetCluster()).matches()) {
                return Optional.of(new GuardViolation(ErrorCode.GUARD_PROTECTED_TARGET, "target cluster '"
                        + c.targetCluster() + "' matches protected pattern '" + p + "' of plan '" + plan.name()
                        + "'; change the plan's target or its guards.protected-patterns"));
            }
        }
        return Optional.empty();
    }

    private static Optional<GuardViolation> checkDynamoDb(RefreshPlan plan) {
        DynamoDbSettings d = plan.dynamodb();
        String target = d.targetTable();
        if (target.equals(d.sourceTable())) {
            return Optional.of(new GuardViolation(ErrorCode.GUARD_TARGET_IS_SOURCE, "plan '" + plan.name()
                    + "': the restored table name '" + target + "' is the source table's name (target.replace-pattern '"
                    + d.replacePattern() + "' does not match it, or the replacement keeps it); set"
                    + " target.replace-pattern and target.replacement so the restored table gets another name"));
        }
        for (String p : plan.protectedPatterns()) {
            if (Pattern.compile(p).matcher(target).matches()) {
                return Optional.of(new GuardViolation(ErrorCode.GUARD_PROTECTED_TARGET, "target table '" + target
                        + "' matches protected pattern '" + p + "' of plan '" + plan.name()
                        + "'; change the plan's target or its guards.protected-patterns"));
            }
        }
        return Optional.empty();
    }

    /**
     * A refused plan.
     *
     * @param errorCode the rule's code, one of the {@code GUARD_*} codes
     * @param message   what was refused and what to change
     */
    public record GuardViolation(ErrorCode errorCode, String message) {
    }
}
