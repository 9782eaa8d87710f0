package dev.dbrefresh.engine.dynamodb;

import dev.dbrefresh.runtime.aws.AwsArn;
import dev.dbrefresh.runtime.plan.DynamoDbSettings;
import java.util.Optional;

/**
 * Whether a DynamoDB backup belongs to a {@code dynamodb} plan's source table, by the table ARN that
 * <a href="https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_DescribeBackup.html">DescribeBackup</a>
 * reports ({@code SourceTableDetails.TableArn}) or {@code ListBackups} lists, compared as ARNs: partition, account,
 * region and table name. snapshot-service checks the backup a start message or AWS Backup event names,
 * cluster-service the one it is about to restore.
 */
public final class BackupOrigin {

    private BackupOrigin() {
    }

    /**
     * @param d the plan's DynamoDB settings
     * @return {@code arn:<partition>:dynamodb:<source region>:<source account>:table/<source table>}
     */
    public static String sourceTableArn(DynamoDbSettings d) {
        return "arn:" + AwsArn.partitionOf(d.sourceRegion()) + ":dynamodb:" + d.sourceRegion() + ":" + d.sourceAccount()
                + ":table/" + d.sourceTable();
    }

    /**
     * @param d        the plan's DynamoDB settings
     * @param tableArn the ARN of the table a backup was taken of, or {@code null}
     * @return whether that is the plan's source table
     */
    public static boolean isSourceTable(DynamoDbSettings d, String tableArn) {
        return AwsArn.parse(tableArn).filter(a -> "dynamodb".equals(a.service()) && "table".equals(a.resourceType())
                && d.sourceTable().equals(a.resourceId()) && a.isIn(d.sourceAccount(), d.sourceRegion())).isPresent();
    }

    /**
     * @param d         the plan's DynamoDB settings
     * @param backupArn the backup
     * @param tableArn  the table it was taken of
     * @return what is wrong, or empty when the backup is of the source table
     */
    public static Optional<String> problem(DynamoDbSettings d, String backupArn, String tableArn) {
        return isSourceTable(d, tableArn) ? Optional.empty() : Optional.of("backup " + backupArn + " is of table "
                + tableArn + ", not of the plan's source table " + sourceTableArn(d));
    }
}
