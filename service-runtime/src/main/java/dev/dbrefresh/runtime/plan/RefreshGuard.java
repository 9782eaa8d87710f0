package dev.dbrefresh.runtime.plan;

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
 *   <li>{@code GUARD_TARGET_IS_SOURCE}: the target is the source database (same host, port, name);</li>
 *   <li>{@code GUARD_PROTECTED_TARGET}: the target's name fully matches one of the plan's
 *       {@code guards.protected-patterns} or a built-in protected name ({@link #BUILT_IN_PROTECTED}).</li>
 * </ul>
 */
public final class RefreshGuard {

    /** Databases no plan may ever target: the server's own and dbrefresh's state database. */
    public static final List<String> BUILT_IN_PROTECTED = List.of("postgres", "template0", "template1", "dbrefresh");

    private RefreshGuard() {
    }

    /**
     * @param plan a plan
     * @return the violated rule, or empty when the target may be replaced
     */
    public static Optional<GuardViolation> check(RefreshPlan plan) {
        DatabaseEndpoint target = plan.target();
        if (target.sameDatabaseAs(plan.source())) {
            return Optional.of(new GuardViolation("GUARD_TARGET_IS_SOURCE", "plan '" + plan.name() + "' targets its own"
                    + " source " + target.display() + "; a refresh would delete the production database. Point"
                    + " target at the non-production database"));
        }
        if (BUILT_IN_PROTECTED.contains(target.database())) {
            return Optional.of(new GuardViolation("GUARD_PROTECTED_TARGET", "target database '" + target.database()
                    + "' is a built-in protected database " + BUILT_IN_PROTECTED + "; choose another target"));
        }
        for (String p : plan.protectedPatterns()) {
            if (Pattern.compile(p).matcher(target.database()).matches()) {
                return Optional.of(new GuardViolation("GUARD_PROTECTED_TARGET", "target database '" + target.database()
                        + "' matches protected pattern '" + p + "' of plan '" + plan.name()
                        + "'; change the plan's target or its guards.protected-patterns"));
            }
        }
        return Optional.empty();
    }

    /**
     * A refused plan.
     *
     * @param errorCode the rule's code
     * @param message   what was refused and what to change
     */
    public record GuardViolation(String errorCode, String message) {
    }
}
