package dev.dbrefresh.engine.dynamodb;

import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.contracts.Tags;
import java.util.Set;
import dev.dbrefresh.contracts.Engine;
import dev.dbrefresh.engine.spi.RestoreEngine;
import dev.dbrefresh.engine.spi.RestoreProgress;
import dev.dbrefresh.contracts.ClusterRestorePoll;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.params.ParameterStore;
import dev.dbrefresh.runtime.plan.DynamoDbSettings;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BackupNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ContinuousBackupsStatus;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.StreamViewType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;
import software.amazon.awssdk.services.dynamodb.model.Tag;
import software.amazon.awssdk.services.dynamodb.model.TimeToLiveStatus;

/**
 * The restore side of the {@code dynamodb} engine, the AWS Backup rotator: each run restores the backup
 * ({@code RestoreTableFromBackup}) into a new table named {@code <replaced source name>-yyyyMMdd-HH-mm-ss}
 * (UTC time of the {@code snapshot.ready} event, so a redelivery derives the same name), re-applies what
 * a restore drops (TTL, stream, point-in-time recovery, tags) and publishes the table ARN to the plan's
 * {@code table-arn-parameter}. It deletes nothing: the previous tables stay until users-service verified the new
 * one, after which notifier-service prunes those beyond {@code keep-tables} ({@link RestoredTables#prune}). The restore poll finds the run's table by its {@code dbrefresh:run} tag (set
 * right after the restore call and again when it is active) or by its restore summary's source backup.
 */
@Singleton
public class DynamoDbRestoreEngine implements RestoreEngine {

    private static final DateTimeFormatter SUFFIX = DateTimeFormatter.ofPattern("yyyyMMdd-HH-mm-ss").withZone(ZoneOffset.UTC);

    private final DynamoDbClient dynamo;
    private final RestoredTables tables;
    private final ParameterStore parameters;

    /**
     * @param dynamo     the DynamoDB client (target region)
     * @param parameters where the table ARN parameter is written
     */
    public DynamoDbRestoreEngine(DynamoDbClient dynamo, ParameterStore parameters) {
        this.dynamo = dynamo;
        this.tables = new RestoredTables(dynamo);
        this.parameters = parameters;
    }

    /** @return {@code true} for {@code dynamodb} */
    @Override
    public Set<Engine> engines() {
        return Set.of(Engine.DYNAMODB);
    }

    /** @return whether {@code DescribeBackup} knows the backup ARN */
    @Override
    public boolean snapshotExists(RefreshPlan plan, String snapshotId) {
        try {
            dynamo.describeBackup(r -> r.backupArn(snapshotId));
            return true;
        } catch (BackupNotFoundException | ResourceNotFoundException e) {
            return false;
        }
    }

    /**
     * @param at the run's start (time of the {@code snapshot.ready} event)
     * @param plan the plan
     * @return the name of the table restored at that time
     */
    public static String tableName(RefreshPlan plan, Instant at) {
        return plan.dynamodb().targetTable() + "-" + SUFFIX.format(at);
    }

    /**
     * Restores the backup into a new table, unless this run already did; a backup of another table than the
     * plan's source ({@link BackupOrigin}) is refused with {@code SNAPSHOT_NOT_OF_SOURCE}.
     */
    @Override
    public RestoreProgress start(RefreshPlan plan, String snapshotId, boolean dryRun, StepContext ctx) throws Exception {
        Optional<TableDescription> existing = runTable(plan, snapshotId, ctx.runId());
        if (existing.isPresent()) {
            ctx.skipped(StepName.RESTORE, "table " + existing.get().tableName() + " was already restored by run "
                    + ctx.runId() + " (status " + existing.get().tableStatusAsString() + "); not restored again");
            return new RestoreProgress.Waiting(StepName.RESTORING, "table " + existing.get().tableName() + " is "
                    + existing.get().tableStatusAsString());
        }
        if (!dryRun) {
            String source = dynamo.describeBackup(r -> r.backupArn(snapshotId)).backupDescription().sourceTableDetails()
                    .tableArn();
            Optional<String> foreign = BackupOrigin.problem(plan.dynamodb(), snapshotId, source);
            if (foreign.isPresent()) {
                return new RestoreProgress.Refused(StepName.RESTORE, ErrorCode.SNAPSHOT_NOT_OF_SOURCE, foreign.get()
                        + "; nothing was restored or deleted. Set the \"current\"/\"latest\" parameter to a backup of"
                        + " the source table, or correct the plan's source");
            }
        }
        String table = tableName(plan, ctx.envelope().time());
        Optional<TableDescription> clash = tables.describe(table);
        if (clash.isPresent()) {
            return new RestoreProgress.Refused(StepName.RESTORE, ErrorCode.TARGET_EXISTS, "table " + table
                    + " exists and was not restored by run " + ctx.runId() + "; it was not touched. Start a new run");
        }
        if (dryRun) {
            ctx.planned(StepName.RESTORE, "RestoreTableFromBackup BackupArn=" + snapshotId + " TargetTableName="
                    + table);
            return new RestoreProgress.Restored(table, table, 443, table);
        }
        ctx.step(StepName.RESTORE, () -> dynamo.restoreTableFromBackup(r -> r.backupArn(snapshotId)
                .targetTableName(table)).tableDescription(), d -> "RestoreTableFromBackup " + snapshotId + " -> "
                + table + ": " + d.tableStatusAsString());
        try {
            TableDescription d = dynamo.describeTable(r -> r.tableName(table)).table();
            dynamo.tagResource(r -> r.resourceArn(d.tableArn()).tags(tags(plan, ctx.runId())));
        } catch (RuntimeException e) {
            // Tagged again once the table is active; the poll also finds the table by its restore summary.
        }
        return new RestoreProgress.Waiting(StepName.RESTORING, "table " + table + " is being restored from "
                + snapshotId);
    }

    /** Waits for the table, then re-applies settings, sets the ARN parameter and prunes. */
    @Override
    public RestoreProgress poll(RefreshPlan plan, ClusterRestorePoll poll, StepContext ctx) throws Exception {
        DynamoDbSettings s = plan.dynamodb();
        Optional<TableDescription> found = runTable(plan, poll.snapshotId(), ctx.runId());
        if (found.isEmpty()) {
            return new RestoreProgress.Refused(StepName.RESTORE, ErrorCode.RESTORE_NOT_FOUND, "no table restored by"
                    + " run " + ctx.runId() + " from " + poll.snapshotId() + " (deleted by hand?); start a new run");
        }
        TableDescription t = found.get();
        if (t.tableStatus() != TableStatus.ACTIVE) {
            return new RestoreProgress.Waiting(StepName.RESTORING, "table " + t.tableName() + " is "
                    + t.tableStatusAsString());
        }
        String table = t.tableName();
        String arn = t.tableArn();
        if (s.ttlAttribute() != null) {
            var ttl = dynamo.describeTimeToLive(r -> r.tableName(table)).timeToLiveDescription();
            if (ttl == null || ttl.timeToLiveStatus() != TimeToLiveStatus.ENABLED) {
                ctx.step(StepName.TTL, () -> dynamo.updateTimeToLive(r -> r.tableName(table)
                        .timeToLiveSpecification(x -> x.attributeName(s.ttlAttribute()).enabled(true))),
                        x -> "UpdateTimeToLive " + table + " AttributeName=" + s.ttlAttribute());
            }
        }
        if (s.streamViewType() != null && (t.streamSpecification() == null
                || !Boolean.TRUE.equals(t.streamSpecification().streamEnabled()))) {
            ctx.step(StepName.STREAM, () -> dynamo.updateTable(r -> r.tableName(table).streamSpecification(x -> x
                    .streamEnabled(true).streamViewType(StreamViewType.fromValue(s.streamViewType())))),
                    x -> "UpdateTable " + table + " StreamViewType=" + s.streamViewType());
        }
        if (s.pointInTimeRecovery()) {
            var pitr = dynamo.describeContinuousBackups(r -> r.tableName(table)).continuousBackupsDescription();
            boolean on = pitr != null && pitr.pointInTimeRecoveryDescription() != null
                    && "ENABLED".equals(pitr.pointInTimeRecoveryDescription().pointInTimeRecoveryStatusAsString());
            if (!on) {
                ctx.step(StepName.PITR, () -> dynamo.updateContinuousBackups(r -> r.tableName(table)
                        .pointInTimeRecoverySpecification(x -> x.pointInTimeRecoveryEnabled(true))),
                        x -> "UpdateContinuousBackups " + table + " PointInTimeRecoveryEnabled=true");
            }
        }
        List<Tag> tags = tags(plan, ctx.runId());
        ctx.step(StepName.TAGS, () -> dynamo.tagResource(r -> r.resourceArn(arn).tags(tags)), x -> "TagResource " + arn
                + " " + tags.stream().map(g -> g.key() + "=" + g.value()).toList());
        if (s.tableArnParameter() != null) {
            ctx.step(StepName.PARAMETER, () -> parameters.put(s.tableArnParameter(), arn),
                    v -> s.tableArnParameter() + " = " + arn + " (version " + v + ")");
        }
        // Older tables are pruned by notifier-service once users-service verified this one (users.applied):
        // until then the previous table is what the plan's readers can go back to.
        return new RestoreProgress.Restored(arn, arn, 443, table);
    }

    /** The table this run restored: tagged with the run, else restored from the backup and not another run's. */
    private Optional<TableDescription> runTable(RefreshPlan plan, String backupArn, String runId) {
        TableDescription byBackup = null;
        List<String> names = new ArrayList<>(tables.names(plan));
        names.sort(Comparator.reverseOrder());
        for (String name : names) {
            Optional<TableDescription> d = tables.describe(name);
            if (d.isEmpty()) {
                continue;
            }
            Map<String, String> tags = tables.tags(d.get().tableArn());
            if (runId.equals(tags.get(Tags.RUN))) {
                return d;
            }
            if (byBackup == null && !tags.containsKey(Tags.RUN) && d.get().restoreSummary() != null
                    && backupArn.equals(d.get().restoreSummary().sourceBackupArn())) {
                byBackup = d.get();
            }
        }
        return Optional.ofNullable(byBackup);
    }

    private static List<Tag> tags(RefreshPlan plan, String runId) {
        Map<String, String> all = new LinkedHashMap<>(plan.dynamodb().tags());
        all.put(Tags.MANAGED, "true");
        all.put(Tags.PLAN, plan.name());
        all.put(Tags.RUN, runId);
        return all.entrySet().stream().map(e -> Tag.builder().key(e.getKey()).value(e.getValue()).build()).toList();
    }
}
