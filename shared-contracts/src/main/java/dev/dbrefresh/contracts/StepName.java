package dev.dbrefresh.contracts;

import java.util.Arrays;
import java.util.Optional;

/**
 * The steps of a run: the only place their names are spelled. The audit log ({@code step}),
 * {@code refresh.failed} ({@link RefreshFailed#step()}) and the notifications carry the {@link #id()}; a step
 * made once per instance (e.g. one rename per cluster instance) is written {@code <id>:<instance>}, e.g.
 * {@code rename-instance:orders-acc-1}.
 *
 * <p>Each constant says when the step happens and what to do when the run ends there. The phases of a cluster
 * restore ({@link #RENAMING}, {@link #DELETING}, {@link #RESTORING}) are steps too: a wait or a failure names
 * the phase it happened in, and {@code cluster.restore-poll} carries it as {@code phase}.
 */
public enum StepName {

    // --- every event: the plan and the run's checks (RunChecks), messaging ---

    /**
     * Finding the plan and checking its engine and the run's values. Ends with {@code PLAN_NOT_FOUND},
     * {@code PLAN_INVALID} or {@code ENGINE_NOT_AVAILABLE}; correct the plan or the run's values.
     */
    PLAN("plan"),
    /** Where the run's per-run values came from (event, environment, parameter store); recorded, never fails. */
    PLAN_VALUES("plan-values"),
    /**
     * The guards by name and by identity ({@code GUARD_*}). Nothing was changed; point the plan's target at the
     * non-production database or correct its guards.
     */
    GUARD("guard"),
    /**
     * Asking source and target which server and database they are; a server that cannot answer is retried.
     * When the retries run out, make the server reachable and start a new run.
     */
    IDENTITY("identity"),
    /** Taking or renewing the target's lease ({@code TARGET_BUSY}, {@code LEASE_LOST}); see those codes. */
    LEASE("lease"),
    /**
     * A message refused before any step ({@code MALFORMED_MESSAGE}, {@code EVENT_NOT_OF_PLAN}); it is in the
     * service's DLQ with a {@code reason}.
     */
    RECEIVE("receive"),
    /** A foreign message (an AWS Backup notification) that started nothing; recorded as {@code ignored}. */
    TRANSLATE("translate"),
    /**
     * A handler that failed on every allowed delivery before it named a step; the message is in the DLQ. Fix
     * the cause the audit entry names, then redrive it.
     */
    HANDLE("handle"),

    // --- snapshot-service ---

    /** {@code dynamodb}: picking the recovery point (newest, or the one the start request names). */
    PICK("pick"),
    /**
     * {@code postgres} and cluster engines: picking the snapshot (requested, on a date, newest, or the plan's).
     * Ends with {@code SNAPSHOT_NOT_FOUND} or {@code SNAPSHOT_NOT_OF_SOURCE}; name or take another snapshot.
     */
    PICK_SNAPSHOT("pick-snapshot"),
    /**
     * {@code postgres}: {@code pg_dump -Fc} of the source into the snapshot store. On failure look at the
     * source's reachability and the store's free space.
     */
    DUMP("dump"),
    /** Cluster engines with {@code share-from-source}: sharing the source snapshot with the target account. */
    SHARE("share"),
    /** Cluster engines: the plain copy name is taken by another snapshot; the copy gets a hashed name. */
    COPY_NAME("copy-name"),
    /**
     * Copying the snapshot to the target side (the snapshot store, or {@code CopyDBClusterSnapshot}), and
     * waiting for the copy. Ends with {@code COPY_FAILED}, {@code COPY_NAME_TAKEN} or
     * {@code WAIT_DEADLINE_EXCEEDED}; see those codes.
     */
    COPY("copy"),
    /**
     * Setting a parameter: the plan's "latest" (snapshot-service) or its table ARN parameter
     * ({@code dynamodb}, cluster-service). On failure check the parameter store and the role's access to it.
     */
    PARAMETER("parameter"),

    // --- cluster-service ---

    /** Promoting "latest" to "current" before the restore, where the plan says so. */
    PROMOTE("promote"),
    /**
     * Cluster engines: checking what the restore needs before anything changes ({@code PREFLIGHT_*}); create
     * or correct what is missing, then start a new run.
     */
    PREFLIGHT("preflight"),
    /** Cluster engines: the target is already this run's own restore, so the old one is not renamed again. */
    RENAME("rename"),
    /**
     * Cluster engines: renaming one of the old target's instances out of the way (written per instance,
     * {@code rename-instance:<id>}). The old target stays until the new one is verified.
     */
    RENAME_INSTANCE("rename-instance"),
    /** Cluster engines: renaming the old target cluster to {@code <target>-old-<run id>}. */
    RENAME_CLUSTER("rename-cluster"),
    /**
     * Cluster engines, phase: waiting for the old target to take its new name. Ends with {@code TARGET_CHANGED}
     * or {@code WAIT_DEADLINE_EXCEEDED}; look at both clusters in the console.
     */
    RENAMING("renaming"),
    /** Phase of polls of versions that deleted the old target before the restore; handled like {@link #RENAMING}. */
    DELETING("deleting"),
    /**
     * Restoring the snapshot into the target ({@code pg_restore} into a staging database, then the swap;
     * {@code RestoreDBClusterFromSnapshot}; {@code RestoreTableFromBackup}). A failed {@code postgres} restore
     * leaves the old target as it was; see the message for what exists now.
     */
    RESTORE("restore"),
    /**
     * Phase: waiting for the restored cluster, its instances or the restored table to become available. Ends
     * with {@code TARGET_CHANGED}, {@code RESTORE_NOT_FOUND} or {@code WAIT_DEADLINE_EXCEEDED}.
     */
    RESTORING("restoring"),
    /**
     * Cluster engines: creating an instance of the restored cluster (written per instance,
     * {@code create-instance:<id>}).
     */
    CREATE_INSTANCE("create-instance"),
    /** Cluster engines, dry-run only: the delete of the old target that notifier-service would make. */
    DELETE_OLD("delete-old"),
    /**
     * {@code postgres}, inside the staging database before the swap: every table's content checksum compared
     * with the one the dump recorded (plans with {@code verify: checksums}). Ends with
     * {@code VERIFY_CHECKSUM_MISMATCH} or {@code VERIFY_EMPTY}; the old target was kept.
     */
    VERIFY_CHECKSUMS("verify-checksums"),
    /**
     * Neutralising what could reach or act on production (foreign servers and user mappings, subscriptions,
     * {@code pg_cron} jobs, event triggers) and locking the snapshot's roles, before anyone else can connect. On
     * failure the staging database is dropped and the old target kept.
     */
    ISOLATE("isolate"),
    /**
     * Masking the plan's columns and tables ({@code sanitize.masks}, {@code sanitize.sql}), before the swap.
     * Ends with {@code MASK_TARGET_MISSING} or {@code MASK_FAILED}; the old target was kept.
     */
    SANITIZE("sanitize"),
    /** Checking a sample of every masked column for values the mask did not replace ({@code MASK_FAILED}). */
    VERIFY_MASKS("verify-masks"),
    /** {@code ANALYZE} of the restored database, so it has planner statistics before anyone queries it. */
    ANALYZE("analyze"),
    /** {@code dynamodb}: enabling time to live on the restored table. */
    TTL("ttl"),
    /** {@code dynamodb}: enabling the stream on the restored table. */
    STREAM("stream"),
    /** {@code dynamodb}: enabling point-in-time recovery on the restored table. */
    PITR("pitr"),
    /** {@code dynamodb}: tagging the restored table as dbrefresh's, with the plan and the run. */
    TAGS("tags"),

    // --- users-service ---

    /**
     * Cluster engines: setting the restored cluster's master password to the target's own (once per run). Ends
     * with {@code MASTER_SECRET_MISSING}; add {@code target.master-password-secret}.
     */
    MASTER_PASSWORD("master-password"),
    /** Cluster engines: waiting for the restored cluster to be {@code available}; retried until it is. */
    CLUSTER_AVAILABLE("cluster-available"),
    /**
     * Creating or updating the plan's users and grants on the restored target. Ends with
     * {@code DATABASE_MISSING}; set {@code target.database}.
     */
    USERS("users"),
    /**
     * Verifying the restored data (counts against the manifest, or counted). Ends with {@code VERIFY_MISMATCH},
     * {@code VERIFY_EMPTY} or {@code SNAPSHOT_NOT_FOUND}; see those codes.
     */
    VERIFY("verify"),
    /** Every table's verified count, recorded in parts of 400 tables. */
    VERIFY_COUNTS("verify-counts"),

    // --- notifier-service ---

    /** Writing the restored endpoint to the plan's endpoint parameter. */
    ENDPOINT_PARAMETER("endpoint-parameter"),
    /** Starting the plan's pipeline after a verified refresh. */
    START_PIPELINE("start-pipeline"),
    /** Cluster engines: deleting the renamed old target (with its final snapshot) after a verified refresh. */
    DELETE_OLD_TARGET("delete-old-target"),
    /** Cluster engines: deleting the plan's snapshot copies beyond {@code retention.keep-copies}. */
    RETENTION("retention"),
    /** {@code dynamodb}: deleting the plan's restored tables beyond {@code keep-tables}. */
    PRUNE_TABLES("prune-tables"),
    /** Sending the success (or dry-run) notification. */
    NOTIFY("notify"),
    /** Sending the failure notification. */
    NOTIFY_FAILURE("notify-failure"),
    /**
     * Cluster engines, after a failure: renaming the old target back where no new target took its name. When
     * it cannot, the notification says how to go back by hand.
     */
    ROLL_BACK("roll-back"),
    /** The failure notification could not be sent on any delivery; the run's lease was released anyway. */
    RELEASE_LEASE("release-lease"),

    // --- local command line ---

    /** A local run stopped with Ctrl-C or SIGTERM ({@code RUN_INTERRUPTED}). */
    INTERRUPTED("interrupted");

    private final String id;

    StepName(String id) {
        this.id = id;
    }

    /** @return the name as written to the audit log and events, e.g. {@code pick-snapshot} */
    public String id() {
        return id;
    }

    /**
     * @param instance what a step made once per instance acts on, e.g. an instance identifier
     * @return {@code <id>:<instance>}, as the audit log names that step
     */
    public String at(String instance) {
        return id + ":" + instance;
    }

    /**
     * @param id a step name without an instance; {@code null} gives empty
     * @return the step with exactly that name, or empty
     */
    public static Optional<StepName> of(String id) {
        return Arrays.stream(values()).filter(s -> s.id.equals(id)).findFirst();
    }

    /**
     * @param id a step name without an instance, e.g. a {@code cluster.restore-poll}'s {@code phase}
     * @return the step
     * @throws IllegalArgumentException when no step has that name
     */
    public static StepName require(String id) {
        return of(id).orElseThrow(() -> new IllegalArgumentException("unknown step '" + id + "'"));
    }

    /**
     * @param written a step as the audit log writes it: {@code <id>} or {@code <id>:<instance>}
     * @return whether it is this step, for any instance
     */
    public boolean names(String written) {
        return id.equals(written) || written != null && written.startsWith(id + ":");
    }

    @Override
    public String toString() {
        return id;
    }
}
