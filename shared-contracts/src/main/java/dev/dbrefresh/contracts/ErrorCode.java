package dev.dbrefresh.contracts;

import java.util.Arrays;
import java.util.Optional;

/**
 * dbrefresh's own error codes: the only place they are spelled. A step that refuses or fails names one of
 * these; the audit log ({@code errorCode}), {@code refresh.failed} ({@link RefreshFailed#errorCode()}) and the
 * notifications carry its {@link #code()}, which matches {@link RefreshFailed#ERROR_CODE}
 * ({@code ^[A-Z][A-Z0-9_]*$}, the {@code refresh.failed} schema's pattern).
 *
 * <p>One kind of code is not a constant here: an unexpected exception that used up its retries is reported
 * with a code derived from its class, e.g. {@code PG_TOOL_EXCEPTION} (see service-runtime's
 * {@code ErrorCodes.of}); its message says what happened.
 *
 * <p>Each constant says when it happens and what to do. "Nothing was changed" holds unless the failure says
 * {@code changed: true} ({@code [the target was changed]} in the notification).
 */
public enum ErrorCode {

    // --- the plan and the run's checks (every service, before anything connects or changes) ---

    /**
     * The event names a plan that is not in this service's plans file. Nothing was changed. Check the plan's
     * name; every service must read the same plans file.
     */
    PLAN_NOT_FOUND("PLAN_NOT_FOUND"),
    /**
     * A value of the run (start message, {@code DBREFRESH_PLAN_*} environment, parameter store) is not a knob
     * or allowed choice of the plan, or not acceptable for its key. Nothing was changed. Correct the value the
     * message names and start a new run.
     */
    PLAN_INVALID("PLAN_INVALID"),
    /**
     * The service has no engine for the plan's {@code engine} (e.g. an engine a newer version serves). Nothing
     * was changed. Use an engine the services serve, or deploy a version that serves it.
     */
    ENGINE_NOT_AVAILABLE("ENGINE_NOT_AVAILABLE"),
    /**
     * Another run holds the lease on the target; this run was not started. Wait for that run to end
     * ({@code dbrefresh status <run>}); an interrupted run's lease expires after {@code dbrefresh.lease.ttl-hours}.
     */
    TARGET_BUSY("TARGET_BUSY"),
    /**
     * A later step found that the run no longer holds the target's lease (it expired, was released or was taken
     * by another run). This step changed nothing; earlier steps may have ({@code changed}). Start a new run;
     * where steps outlive the lease, raise {@code dbrefresh.lease.ttl-hours}.
     */
    LEASE_LOST("LEASE_LOST"),

    // --- guards ---

    /**
     * The target is the source: the same host, port and database in the plan, the same server and database as
     * the servers identify themselves, or the same account, region and cluster or table. Nothing was changed.
     * Point the plan's target at the non-production database.
     */
    GUARD_TARGET_IS_SOURCE("GUARD_TARGET_IS_SOURCE"),
    /**
     * The target's name is a built-in protected database ({@code postgres}, {@code template0},
     * {@code template1}, {@code dbrefresh}) or fully matches one of the plan's
     * {@code guards.protected-patterns}. Nothing was changed. Choose another target, or correct the patterns.
     */
    GUARD_PROTECTED_TARGET("GUARD_PROTECTED_TARGET"),
    /**
     * Cluster engines: the target cluster is in the source (production) account. Nothing was changed. Move the
     * target to another account, or correct {@code target.account}.
     */
    GUARD_TARGET_IN_SOURCE_ACCOUNT("GUARD_TARGET_IN_SOURCE_ACCOUNT"),
    /**
     * Cluster engines: the existing target cluster lacks the plan's {@code target.required-tag}; checked right
     * before anything is renamed. Nothing was renamed or deleted. Tag the cluster if it really is the refresh
     * target, or correct {@code target.cluster}.
     */
    GUARD_MISSING_TAG("GUARD_MISSING_TAG"),

    // --- snapshot ---

    /**
     * No snapshot to use: none of the source in the store or shared with the target account (for the requested
     * id or date, or at all), a backup ARN unknown to DynamoDB, a copy that disappeared while it was copied, a
     * "current" parameter that names no available snapshot, or a manifest missing at verification. Nothing was
     * deleted. Share or take the snapshot, name an existing one, or start a new run.
     */
    SNAPSHOT_NOT_FOUND("SNAPSHOT_NOT_FOUND"),
    /**
     * A reset ({@code "mode": "reset"}) that cannot run: the plan keeps no pristine copy (no {@code fast-path:
     * template}, or not a postgres plan), the target server holds no complete pristine copy yet, or the request
     * also named a snapshot or date (a reset's snapshot is the pristine copy's, read from the target server).
     * Nothing was changed. Add {@code fast-path: template} and run one refresh, or start a refresh instead.
     */
    RESET_NOT_AVAILABLE("RESET_NOT_AVAILABLE"),
    /**
     * The chosen snapshot, copy or backup was taken of another database, cluster, table, account or region than
     * the plan's source (by its manifest, its ARN or its {@code dbrefresh:source-snapshot} tag). Nothing was
     * restored or deleted. Name a snapshot of the plan's source, or correct the plan's source.
     */
    SNAPSHOT_NOT_OF_SOURCE("SNAPSHOT_NOT_OF_SOURCE"),
    /**
     * Cluster engines: the copy's name and its hashed alternative are both taken by snapshots that are not
     * dbrefresh copies of this source. Nothing was shared or copied. Delete or rename the snapshot that is not a
     * dbrefresh copy, then start a new run.
     */
    COPY_NAME_TAKEN("COPY_NAME_TAKEN"),
    /**
     * Cluster engines: the snapshot copy ended {@code failed} (or similar). Nothing was deleted on the target.
     * Delete the copy and start a new run.
     */
    COPY_FAILED("COPY_FAILED"),
    /**
     * Cluster engines: RDS's limit of 5 concurrent cross-region snapshot copies per destination region was hit;
     * retried with backoff, and reported only when the retries ran out. Spread the plans' schedules, or raise
     * {@code maxReceiveCount} of {@code dbrefresh-snapshot}.
     */
    COPY_LIMIT_REACHED("COPY_LIMIT_REACHED"),
    /**
     * Cluster engines: the target account reached its manual cluster snapshot quota. Delete old copies
     * ({@code retention.keep-copies}) or raise the quota in Service Quotas, then start a new run.
     */
    SNAPSHOT_QUOTA_EXCEEDED("SNAPSHOT_QUOTA_EXCEEDED"),
    /**
     * Cluster engines: AWS refused the KMS key of a copy or restore. The key policy must allow the target
     * account ({@code kms:CreateGrant}, {@code kms:Decrypt}, {@code kms:DescribeKey}), the source snapshot must
     * be encrypted with a customer managed key (not {@code aws/rds}), and {@code target.kms-key-id} must be the
     * key's ARN.
     */
    KMS_KEY_NOT_ACCESSIBLE("KMS_KEY_NOT_ACCESSIBLE"),
    /**
     * A copy, rename or restore was still not done at the plan's deadline. Look at it in the console, raise
     * {@code wait.deadline-minutes}, then start a new run.
     */
    WAIT_DEADLINE_EXCEEDED("WAIT_DEADLINE_EXCEEDED"),
    /**
     * A poll message reached an engine that never polls ({@code postgres} copies and restores synchronously);
     * it is ignored and the run ends. Start a new run; look for who sends poll messages for this plan.
     */
    UNEXPECTED_POLL("UNEXPECTED_POLL"),

    // --- restore ---

    /**
     * {@code dynamodb}: the table this run would restore into exists and was not restored by this run; it was
     * not touched. Start a new run (it restores into a table named after its own start time).
     */
    TARGET_EXISTS("TARGET_EXISTS"),
    /**
     * {@code dynamodb}: the table this run restored is gone while it was awaited (deleted by hand?). Start a
     * new run.
     */
    RESTORE_NOT_FOUND("RESTORE_NOT_FOUND"),
    /**
     * Cluster engines: a cluster under the target's name is not this run's restore: someone created or
     * replaced it while the run renamed the old target or restored the new one. Nothing more was changed; the
     * message says what exists now. Check the clusters, then start a new run.
     */
    TARGET_CHANGED("TARGET_CHANGED"),
    /**
     * Cluster engines, preflight: {@code target.subnet-group} does not exist in the target account and region.
     * Nothing was changed. Create it or correct the plan.
     */
    PREFLIGHT_SUBNET_GROUP("PREFLIGHT_SUBNET_GROUP"),
    /**
     * Cluster engines, preflight: a {@code target.security-groups} id does not exist in the target account and
     * region. Nothing was changed. Create it or correct the plan.
     */
    PREFLIGHT_SECURITY_GROUPS("PREFLIGHT_SECURITY_GROUPS"),
    /**
     * Cluster engines, preflight: {@code target.kms-key-id} is not visible to the target account, or not
     * {@code Enabled}. Nothing was changed. Enable the key, allow the account in its policy, or name another key.
     */
    PREFLIGHT_KMS_KEY("PREFLIGHT_KMS_KEY"),
    /**
     * Cluster engines, preflight: {@code target.cluster-parameter-group} does not exist. Nothing was changed.
     * Create it or correct the plan.
     */
    PREFLIGHT_PARAMETER_GROUP("PREFLIGHT_PARAMETER_GROUP"),
    /**
     * Cluster engines, preflight: {@code target.instance-class} is not orderable for the engine and
     * {@code target.engine-version} in the region. Nothing was changed. Choose an orderable class.
     */
    PREFLIGHT_INSTANCE_CLASS("PREFLIGHT_INSTANCE_CLASS"),

    // --- users and verification ---

    /**
     * Cluster engines (not {@code docdb}): the plan names no {@code target.database} and the restore event
     * carries none. Set {@code target.database} to the database the users and the verification use.
     */
    DATABASE_MISSING("DATABASE_MISSING"),
    /**
     * Cluster engines: the plan has no {@code target.master-password-secret}; the restored cluster keeps the
     * production master password until it is reset. Add a secret reference for the target's own password.
     */
    MASTER_SECRET_MISSING("MASTER_SECRET_MISSING"),
    /**
     * {@code postgres}: the restored tables' row counts differ from the snapshot's manifest (the restore is
     * incomplete, or the target was written to during verification). The target was changed. Look at the
     * mismatched tables the message names, then start a new run.
     */
    VERIFY_MISMATCH("VERIFY_MISMATCH"),
    /**
     * Cluster engines: the restored database has no user tables (collections): the restore produced nothing.
     * {@code postgres} with {@code verify: checksums}: the snapshot's manifest lists no table (the old target
     * was kept). Check the snapshot and the plan's database.
     */
    VERIFY_EMPTY("VERIFY_EMPTY"),
    /**
     * {@code postgres} with {@code verify: checksums}: a restored table's content differs from what the dump
     * read, or a table exists on one side only (the message names them). Checked in the staging database before
     * masking and before the swap: the old target was kept. Take a new snapshot; if it repeats, look at the store.
     */
    VERIFY_CHECKSUM_MISMATCH("VERIFY_CHECKSUM_MISMATCH"),
    /**
     * A mask of {@code sanitize.masks} names a table or column the restored database does not have. Checked
     * before anything is masked or swapped: the old target was kept. Correct the plan's mask.
     */
    MASK_TARGET_MISSING("MASK_TARGET_MISSING"),
    /**
     * Masking failed: a mask does not fit its column's type, a {@code sql:} file failed, a table to truncate is
     * referenced by another table's foreign key, or the sampled check found an unmasked value. Before the swap:
     * the old target was kept. The message names the table and column; correct the plan.
     */
    MASK_FAILED("MASK_FAILED"),
    /**
     * {@code mongodb}: the target server does not offer the user management commands ({@code usersInfo},
     * {@code createUser}, ... answered with CommandNotFound, as by a MongoDB wire-protocol stand-in such as
     * mongo-java-server). The data was restored and verified; no user was created. Remove the plan's
     * users, or refresh onto a server with user management.
     */
    USERS_NOT_SUPPORTED("USERS_NOT_SUPPORTED"),

    // --- AWS errors, by class (service-runtime's ErrorCodes maps the AWS wire codes) ---

    /** AWS rate limiting: retried with backoff, reported when the retries ran out. Start a new run later. */
    AWS_THROTTLED("AWS_THROTTLED"),
    /**
     * The named AWS resource (secret, parameter, cluster, snapshot, queue, topic, table, ...) does not exist.
     * The message starts with the AWS code and names it: create it or correct the plan.
     */
    AWS_RESOURCE_NOT_FOUND("AWS_RESOURCE_NOT_FOUND"),
    /** The service's IAM role may not make the call. Grant it in the role's policy (docs/aws.md). */
    AWS_ACCESS_DENIED("AWS_ACCESS_DENIED"),
    /**
     * The service's credentials were refused (unknown, expired or badly signed). Check the credentials the
     * service runs with.
     */
    AWS_AUTH_FAILED("AWS_AUTH_FAILED"),
    /**
     * The resource exists but its state does not allow the call (e.g. a cluster being modified). Wait until it
     * is available, then start a new run.
     */
    AWS_INVALID_STATE("AWS_INVALID_STATE"),
    /** The resource to create exists already. Look at it (the message names it); remove it or start a new run. */
    AWS_ALREADY_EXISTS("AWS_ALREADY_EXISTS"),
    /** An account or service quota is reached. Free capacity or raise the quota in Service Quotas. */
    AWS_QUOTA_EXCEEDED("AWS_QUOTA_EXCEEDED"),
    /** AWS refused the request as invalid (parameters, validation). Correct the plan value the message names. */
    AWS_INVALID_REQUEST("AWS_INVALID_REQUEST"),
    /** A KMS key could not be used (disabled, not accessible, decryption failed). Check the key and its policy. */
    AWS_KMS_ERROR("AWS_KMS_ERROR"),
    /** AWS had an internal error or was unavailable (HTTP 5xx) on every retry. Start a new run later. */
    AWS_SERVICE_UNAVAILABLE("AWS_SERVICE_UNAVAILABLE"),
    /**
     * The SDK could not make the call at all (no connection, timeout, no credentials found). Check the network
     * path and the endpoint configuration of the service.
     */
    AWS_CLIENT_ERROR("AWS_CLIENT_ERROR"),
    /** Any other AWS service error. The message starts with the AWS code: look it up in the AWS API's errors. */
    AWS_ERROR("AWS_ERROR"),

    // --- messages ---

    /**
     * An event (or poll) names something other than what its plan derives (engine, database, endpoint, table,
     * snapshot). It goes to the service's DLQ with a {@code reason} and a {@code rejected} audit entry; it
     * changes nothing and does not end the run. Find out who sent it; redrive only when it was right.
     */
    EVENT_NOT_OF_PLAN("EVENT_NOT_OF_PLAN"),
    /**
     * A message that is not a valid dbrefresh event for its queue (not JSON, an unknown type or one the queue
     * does not consume, a schema violation). It goes to the DLQ with a {@code rejected} audit entry and starts
     * nothing. Fix the sender; redrive after the fix.
     */
    MALFORMED_MESSAGE("MALFORMED_MESSAGE"),
    /**
     * A local run ({@code ./dbrefresh run}) was stopped with Ctrl-C or SIGTERM: its services were stopped and
     * its lease released. The target is as the stopped step left it; start a new run.
     */
    RUN_INTERRUPTED("RUN_INTERRUPTED"),
    /**
     * A failure came without any usable code ({@link RefreshFailed#normalizeErrorCode}). The message says what
     * is known; the audit log of the run has the details.
     */
    UNKNOWN_ERROR("UNKNOWN_ERROR");

    private final String code;

    ErrorCode(String code) {
        this.code = code;
    }

    /** @return the code as written to the audit log and events, e.g. {@code TARGET_BUSY} */
    public String code() {
        return code;
    }

    /**
     * @param code a code from the audit log or an event; {@code null} gives empty
     * @return the constant with that code, or empty (a code derived from an exception class, or a foreign one)
     */
    public static Optional<ErrorCode> of(String code) {
        return Arrays.stream(values()).filter(c -> c.code.equals(code)).findFirst();
    }

    @Override
    public String toString() {
        return code;
    }
}
