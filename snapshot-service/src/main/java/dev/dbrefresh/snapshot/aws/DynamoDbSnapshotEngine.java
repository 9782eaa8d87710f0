package dev.dbrefresh.snapshot.aws;

import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.contracts.SnapshotCopyPoll;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.DynamoDbSettings;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.snapshot.domain.SnapshotEngine;
import dev.dbrefresh.snapshot.domain.SnapshotProgress;
import jakarta.inject.Singleton;
import java.util.Comparator;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BackupStatus;
import software.amazon.awssdk.services.dynamodb.model.BackupSummary;
import software.amazon.awssdk.services.dynamodb.model.BackupTypeFilter;

/**
 * The snapshot side of the {@code dynamodb} engine: the "snapshot" is a DynamoDB backup (an AWS Backup
 * recovery point ARN or an on-demand backup). Nothing is copied: the start request's snapshot id (the
 * recovery point ARN an AWS Backup trigger sends) is used as given, else the newest {@code AVAILABLE}
 * backup of the source table ({@code ListBackups TableName}).
 */
@Singleton
public class DynamoDbSnapshotEngine implements SnapshotEngine {

    private final DynamoDbClient dynamo;

    /** @param dynamo the DynamoDB client (target region) */
    public DynamoDbSnapshotEngine(DynamoDbClient dynamo) {
        this.dynamo = dynamo;
    }

    /** @return {@code true} for {@code dynamodb} */
    @Override
    public boolean supports(String engine) {
        return RefreshPlan.DYNAMODB.equals(engine);
    }

    /**
     * @return {@code Ready} with the backup ARN, or {@code Refused SNAPSHOT_NOT_FOUND} when the source table
     *         has no available backup
     */
    @Override
    public SnapshotProgress start(RefreshPlan plan, RefreshRequested request, StepContext ctx) throws Exception {
        DynamoDbSettings d = plan.dynamodb();
        if (request.snapshotId() != null && !request.snapshotId().isBlank()) {
            ctx.skipped("pick", "backup " + request.snapshotId() + " given by the start request; nothing to copy");
            return new SnapshotProgress.Ready(request.snapshotId(), request.snapshotId(), 0, null, false);
        }
        Optional<BackupSummary> newest = newestBackup(d.sourceTable());
        if (newest.isEmpty()) {
            return new SnapshotProgress.Refused("pick", "SNAPSHOT_NOT_FOUND", "table " + d.sourceTable() + " ("
                    + d.sourceId() + ") has no AVAILABLE backup (ListBackups); nothing was restored. Check the AWS"
                    + " Backup plan of the table or start the run with a recovery point ARN");
        }
        BackupSummary b = newest.get();
        ctx.skipped("pick", "newest available backup of " + d.sourceTable() + ": " + b.backupArn() + " ("
                + b.backupCreationDateTime() + ", " + b.backupTypeAsString() + "); nothing to copy");
        return new SnapshotProgress.Ready(b.backupArn(), b.backupArn(), b.backupSizeBytes() == null ? 0
                : b.backupSizeBytes(), null, false);
    }

    /** A DynamoDB backup needs no copy, so there is no wait: a poll answers with the backup as ready. */
    @Override
    public SnapshotProgress poll(RefreshPlan plan, SnapshotCopyPoll poll, StepContext ctx) throws Exception {
        return new SnapshotProgress.Ready(poll.snapshotId(), poll.snapshotId(), 0, null, false);
    }

    private Optional<BackupSummary> newestBackup(String table) {
        java.util.List<BackupSummary> all = new java.util.ArrayList<>();
        String start = null;
        do {
            String from = start;
            var page = dynamo.listBackups(r -> r.tableName(table).backupType(BackupTypeFilter.ALL)
                    .exclusiveStartBackupArn(from));
            all.addAll(page.backupSummaries());
            start = page.lastEvaluatedBackupArn();
        } while (start != null);
        return all.stream().filter(b -> b.backupStatus() == BackupStatus.AVAILABLE)
                .max(Comparator.comparing(BackupSummary::backupCreationDateTime));
    }
}
