package dev.dbrefresh.runtime.aws;

import java.util.Optional;

/**
 * An Amazon Resource Name split into its parts, so that AWS identities are compared by partition, account,
 * region and resource, never by a name string alone (two accounts may both have a cluster called
 * {@code orders}). Format, from the
 * <a href="https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html">IAM ARN reference</a>:
 * {@code arn:partition:service:region:account-id:resource}, where {@code resource} is
 * {@code type:id}, {@code type/id} or {@code id}; the id may itself hold {@code :} or {@code /} (an automated
 * RDS snapshot is {@code cluster-snapshot:rds:orders-2025-03-01-02-10}, a DynamoDB backup
 * {@code table/orders/backup/01700000000000-abcd}).
 *
 * @param partition    {@code aws}, {@code aws-cn}, {@code aws-us-gov}, ...
 * @param service      service namespace, e.g. {@code rds} (also DocumentDB's), {@code dynamodb}, {@code backup}
 * @param region       region, e.g. {@code eu-west-1}
 * @param account      12-digit account id
 * @param resourceType resource type, e.g. {@code cluster}, {@code cluster-snapshot}, {@code table}; empty when
 *                     the resource has no type
 * @param resourceId   what follows the type and its separator
 */
public record AwsArn(String partition, String service, String region, String account, String resourceType,
        String resourceId) {

    /**
     * @param arn a string that may be an ARN
     * @return its parts, or empty when it is not an ARN (fewer than six {@code :}-separated fields, or not
     *         starting with {@code arn:})
     */
    public static Optional<AwsArn> parse(String arn) {
        if (arn == null || !arn.startsWith("arn:")) {
            return Optional.empty();
        }
        String[] p = arn.split(":", 6);
        if (p.length < 6 || p[5].isEmpty()) {
            return Optional.empty();
        }
        String resource = p[5];
        int colon = resource.indexOf(':');
        int slash = resource.indexOf('/');
        int cut = colon < 0 ? slash : slash < 0 ? colon : Math.min(colon, slash);
        String type = cut < 0 ? "" : resource.substring(0, cut);
        String id = cut < 0 ? resource : resource.substring(cut + 1);
        return Optional.of(new AwsArn(p[1], p[2], p[3], p[4], type, id));
    }

    /**
     * The partition a region belongs to, from the region name
     * (<a href="https://docs.aws.amazon.com/whitepapers/latest/aws-fault-isolation-boundaries/partitions.html">partitions</a>).
     *
     * @param region a region name, e.g. {@code eu-west-1}, {@code cn-north-1}, {@code us-gov-west-1}
     * @return {@code aws-cn}, {@code aws-us-gov}, {@code aws-iso}, {@code aws-iso-b} or {@code aws}
     */
    public static String partitionOf(String region) {
        if (region == null) {
            return "aws";
        }
        if (region.startsWith("cn-")) {
            return "aws-cn";
        }
        if (region.startsWith("us-gov-")) {
            return "aws-us-gov";
        }
        if (region.startsWith("us-isob-")) {
            return "aws-iso-b";
        }
        if (region.startsWith("us-iso-")) {
            return "aws-iso";
        }
        return "aws";
    }

    /**
     * @param account an account id
     * @param region  a region
     * @return whether this ARN lies in that account and region, and in the region's partition
     */
    public boolean isIn(String account, String region) {
        return account != null && account.equals(this.account) && region != null && region.equals(this.region)
                && partitionOf(region).equals(partition);
    }
}
