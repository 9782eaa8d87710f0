package dev.dbrefresh.contracts;

/**
 * The keys of the tags dbrefresh puts on what it creates in AWS (snapshot copies, restored clusters and their
 * instances, restored DynamoDB tables), and reads back to recognise its own: the only place they are spelled.
 * A plan's own {@code tags} and its {@code target.required-tag} are the operator's, not these.
 */
public final class Tags {

    /** On everything dbrefresh creates, value {@code true}: retention and pruning delete only what carries it. */
    public static final String MANAGED = "dbrefresh:managed";
    /** The plan that created it: retention and pruning keep to their plan's copies and tables. */
    public static final String PLAN = "dbrefresh:plan";
    /** The run that created it: a redelivery finds the run's own restore instead of making another. */
    public static final String RUN = "dbrefresh:run";
    /** On a restored cluster: the snapshot it was restored from (with {@link #RUN}: this run's own restore). */
    public static final String SNAPSHOT = "dbrefresh:snapshot";
    /** On a snapshot copy: the ARN of the snapshot it was copied from (whether it is a copy of the source). */
    public static final String SOURCE_SNAPSHOT = "dbrefresh:source-snapshot";

    private Tags() {
    }
}
