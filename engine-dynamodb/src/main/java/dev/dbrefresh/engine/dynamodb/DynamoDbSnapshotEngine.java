package dev.dbrefresh.engine.dynamodb;

import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.contracts.StepName;
import java.util.Set;
import dev.dbrefresh.contracts.Engine;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.contracts.SnapshotCopyPoll;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.DynamoDbSettings;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.engine.spi.SnapshotEngine;
import dev.dbrefresh.engine.spi.SnapshotProgress;
import jakarta.inject.Singleton;
import java.util.Comparator;
import java.util.Optional;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.BackupNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.BackupStatus;
import software.amazon.awssdk.services.dynamodb.model.BackupSummary;
import software.amazon.awssdk.services.dynamodb.model.BackupTypeFilter;
import software.amazon.awssdk.services.dynamodb.model.DynamoDbException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.SourceTableDetails;

/**
 * The snapshot side of the {@code dynamodb} engine: the "snapshot" is a DynamoDB backup (an AWS Backup
 * recovery point ARN or an on-demand backup). Nothing is copied: the start request's snapshot id (the
 * recovery point ARN an AWS Backup trigger sends) when it is a backup of the plan's source table, else the
 * newest {@code AVAILABLE} backup of the source table ({@code ListBackups TableName}). A backup of any other
 * table is refused with {@code SNAPSHOT_NOT_OF_SOURCE}.
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
    public Set<Engine> engines() {
        return Set.of(Engine.DYNAMODB);
    }

    /**
     * @return {@code Ready} with the backup ARN, {@code Refused SNAPSHOT_NOT_FOUND} when the source table
     *         has no available backup or the given one is unknown, {@code Refused SNAPSHOT_NOT_OF_SOURCE} when the
     *         given backup is of another table (by ARN: partition, account, region, name)
     */
    @Override
    public SnapshotProgress start(RefreshPlan plan, RefreshRequested request, StepContext ctx) throws Exception {
        DynamoDbSettings d = plan.dynamodb();
        if (request.snapshotId() != null && !request.snapshotId().isBlank()) {
            return given(d, request.snapshotId(), ctx);
        }
        Optional<BackupSummary> newest = newestBackup(d);
        if (newest.isEmpty()) {
            return new SnapshotProgress.Refused(StepName.PICK, ErrorCode.SNAPSHOT_NOT_FOUND, "table " + d.sourceTable()
                    + " (" + d.sourceId() + ") has no AVAILABLE backup (ListBackups); nothing was restored. Check the"
                    + " AWS Backup plan of the table or start the run with a recovery point ARN");
        }
        BackupSummary b = newest.get();
        ctx.skipped(StepName.PICK, "newest available backup of " + d.sourceTable() + ": " + b.backupArn() + " ("
                + b.backupCreationDateTime() + ", " + b.backupTypeAsString() + "); nothing to copy");
        return new SnapshotProgress.Ready(b.backupArn(), b.backupArn(), b.backupSizeBytes() == null ? 0
                : b.backupSizeBytes(), null, false);
    }

    /** A DynamoDB backup needs no copy, so there is no wait: a poll answers with the backup as ready. */
    @Override
    public SnapshotProgress poll(RefreshPlan plan, SnapshotCopyPoll poll, StepContext ctx) throws Exception {
        return new SnapshotProgress.Ready(poll.snapshotId(), poll.snapshotId(), 0, null, false);
    }

    /**
     * A backup named by the start request (an AWS Backup event's recovery point, or by hand) is used only when
     * <a href="https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DescribeBackup.html">DescribeBackup</a>
     * knows it and its {@code SourceTableDetails.TableArn} is the plan's source table, compared as ARNs
     * (partition, account, region, table name).
     */
    private SnapshotProgress given(DynamoDbSettings d, String backupArn, StepContext ctx) {
        SourceTableDetails source;
        try {
            source = dynamo.describeBackup(r -> r.backupArn(backupArn)).backupDescription().sourceTableDetails();
        } catch (BackupNotFoundException | ResourceNotFoundException e) {
            return new SnapshotProgress.Refused(StepName.PICK, ErrorCode.SNAPSHOT_NOT_FOUND, "backup " + backupArn
                    + " is not known to DynamoDB in " + d.targetRegion() + " (DescribeBackup: "
                    + e.awsErrorDetails().errorCode() + "); nothing was restored. Name a DynamoDB backup ARN"
                    + " (arn:...:dynamodb:...:table/<table>/backup/<id>) of table " + d.sourceTable());
        } catch (DynamoDbException e) {
            if (e.statusCode() == 400 && e.awsErrorDetails() != null
                    && "ValidationException".equals(e.awsErrorDetails().errorCode())) {
                return new SnapshotProgress.Refused(StepName.PICK, ErrorCode.SNAPSHOT_NOT_FOUND, "'" + backupArn
                        + "' is not a DynamoDB backup ARN (DescribeBackup: " + e.awsErrorDetails().errorMessage()
                        + "); nothing was restored. Name a backup of table " + d.sourceTable());
            }
            throw e;
        }
        String tableArn = source == null ? null : source.tableArn();
        Optional<String> foreign = BackupOrigin.problem(d, backupArn, tableArn);
        if (foreign.isPresent()) {
            return new SnapshotProgress.Refused(StepName.PICK, ErrorCode.SNAPSHOT_NOT_OF_SOURCE, foreign.get()
                    + "; nothing was restored or deleted. Name a backup of the source table, or correct the plan's"
                    + " source");
        }
        ctx.skipped(StepName.PICK, "backup " + backupArn + " of " + tableArn
                + " given by the start request; nothing to copy");
        return new SnapshotProgress.Ready(backupArn, backupArn, 0, null, false);
    }

    private Optional<BackupSummary> newestBackup(DynamoDbSettings d) {
        String table = d.sourceTable();
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
                // ListBackups selects by table name only; the account and region must be the source's too.
                .filter(b -> BackupOrigin.isSourceTable(d, b.tableArn()))
                .max(Comparator.comparing(BackupSummary::backupCreationDateTime));
    }
}
