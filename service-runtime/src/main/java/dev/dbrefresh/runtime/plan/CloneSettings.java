package dev.dbrefresh.runtime.plan;

import java.time.Instant;
import java.util.regex.Pattern;

/**
 * A run that makes a clone: an extra copy {@code <target>_<name>} of a {@code fast-path: template} plan's pristine
 * copy, for a branch or a test run ({@code ./dbrefresh clone}). Set per run by the values {@value #NAME_KEY} and
 * {@value #EXPIRES_KEY} ({@link PlanResolver}); the resolved plan's target is then the clone, so guards, lease,
 * users, isolation, masks and audit are those of any run on that name.
 *
 * @param of      the plan's own target database, whose pristine copy the clone is made from
 * @param name    the clone's name part, {@value #NAME_RULE}
 * @param expires when the notifier's retention drops the clone (UTC); {@code null}: never
 */
public record CloneSettings(String of, String name, Instant expires) {

    /** Per-run value: the clone's name part. */
    public static final String NAME_KEY = "target.clone";
    /** Per-run value: the clone's expiry, an ISO-8601 instant (e.g. {@code 2026-12-02T16:00:00Z}). */
    public static final String EXPIRES_KEY = "target.clone-expires";
    /** What a clone's name part may hold. */
    public static final String NAME_RULE = "1 to 30 lower-case letters, digits or _, starting with a letter or digit";

    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_]{0,29}");

    /**
     * @param target the plan's target database
     * @param name   a clone name part
     * @return the clone's database name, {@code <target>_<name>}
     * @throws PlanException when the name breaks {@value #NAME_RULE}
     */
    public static String database(String target, String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new PlanException("clone name '" + name + "' is not valid: " + NAME_RULE + "; nothing was changed");
        }
        return target + "_" + name;
    }

    /** @return the clone's database name */
    public String database() {
        return database(of, name);
    }
}
