package dev.dbrefresh.runtime.plan;

/**
 * The identities of a plan's source and target as the servers and AWS state them, not as the plans
 * file spells their names: what the guards compare and what the target's lease is keyed by, so
 * {@code localhost}, {@code 127.0.0.1}, a DNS alias and a second port of one PostgreSQL cluster are all
 * recognised as the same server, and two runs cannot hold one target under two names.
 *
 * <ul>
 *   <li>{@code postgres}: {@code postgres://<system identifier>/<database>}; the system identifier is
 *       {@code pg_control_system().system_identifier}, unique per cluster since {@code initdb}
 *       (https://www.postgresql.org/docs/15/functions-info.html#FUNCTIONS-CONTROLDATA). The database's
 *       oid is recorded where the database exists.</li>
 *   <li>cluster engines: the cluster ARN {@code arn:<partition>:rds:<region>:<account>:cluster:<id>}
 *       (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_Tagging.ARN.html).</li>
 *   <li>{@code dynamodb}: the table ARN {@code arn:<partition>:dynamodb:<region>:<account>:table/<name>}
 *       of the source table and of the restored tables' name prefix.</li>
 * </ul>
 *
 * <p>Each engine module states its own ({@code IdentityEngine}); a service asks through this port.
 */
public interface PlanIdentities {

    /**
     * One database's identity.
     *
     * @param key         the comparable key, e.g. {@code postgres://7714262252240590957/pgbench_acceptance}
     *                    or a cluster ARN
     * @param databaseOid the PostgreSQL database's oid, or {@code null} (not PostgreSQL, or the database
     *                    does not exist yet)
     */
    record Identity(String key, Long databaseOid) {
    }

    /**
     * @param source the source's identity
     * @param target the target's identity: the lease key
     */
    record Identities(Identity source, Identity target) {
    }

    /**
     * @param plan a plan
     * @return its source's and target's identities
     * @throws IdentityUnavailableException when a server cannot be reached or will not say its
     *                                      identity (the caller retries; nothing was changed)
     */
    Identities of(RefreshPlan plan);

    /**
     * @param plan a plan
     * @return the key of its target's lease
     * @throws IdentityUnavailableException as {@link #of}
     */
    default String targetKey(RefreshPlan plan) {
        return of(plan).target().key();
    }

    /** A server did not say who it is; retried like any unavailable dependency. */
    class IdentityUnavailableException extends RuntimeException {

        /**
         * @param message what could not be asked, and what to check
         * @param cause   the driver's error
         */
        public IdentityUnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
