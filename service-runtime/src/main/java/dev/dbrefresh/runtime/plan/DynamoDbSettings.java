package dev.dbrefresh.runtime.plan;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * The AWS side of a {@code dynamodb} plan: a production table whose AWS Backup recovery points (or
 * on-demand backups) are restored into a new, renamed table in the target region.
 *
 * @param sourceAccount        AWS account id of the source table (12 digits)
 * @param sourceRegion         region of the source table
 * @param sourceTable          name of the production table (picks its backups)
 * @param targetRegion         region the table is restored into
 * @param replacePattern       regular expression over the source table name that is replaced
 * @param replacement          replacement ({@code $0} keeps the matched text)
 * @param ttlAttribute         TTL attribute re-enabled after the restore, or {@code null}
 * @param streamViewType       stream view type re-enabled after the restore (e.g. {@code NEW_AND_OLD_IMAGES}), or {@code null}
 * @param pointInTimeRecovery  whether point-in-time recovery is enabled on the restored table
 * @param tags                 tags put on the restored table (besides dbrefresh's own)
 * @param keepTables           how many restored tables of this plan are kept (the newest), at least 1
 * @param tableArnParameter    SSM parameter that receives the restored table's ARN, or {@code null}
 */
public record DynamoDbSettings(String sourceAccount, String sourceRegion, String sourceTable, String targetRegion,
        String replacePattern, String replacement, String ttlAttribute, String streamViewType,
        boolean pointInTimeRecovery, Map<String, String> tags, int keepTables, String tableArnParameter) implements EngineSettings {

    /** Default of {@code target.replace-pattern}. */
    public static final String DEFAULT_PATTERN = "(?i)-production$";
    /** Default of {@code target.replacement}. */
    public static final String DEFAULT_REPLACEMENT = "-acceptance";

    /** @return the source table name with the pattern replaced: the prefix of every restored table */
    public String targetTable() {
        return Pattern.compile(replacePattern).matcher(sourceTable).replaceAll(replacement);
    }

    /** @return {@code dynamodb://<account>/<region>/<replaced name>}, the lease key */
    @Override
    public String targetId() {
        return "dynamodb://" + sourceAccount + "/" + targetRegion + "/" + targetTable();
    }

    /** @return {@code dynamodb://<account>/<region>/<source table>} */
    @Override
    public String sourceId() {
        return "dynamodb://" + sourceAccount + "/" + sourceRegion + "/" + sourceTable;
    }
}
