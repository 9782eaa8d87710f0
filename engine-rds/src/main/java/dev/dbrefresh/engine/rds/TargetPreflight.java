package dev.dbrefresh.engine.rds;

import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.runtime.plan.ClusterSettings;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;
import software.amazon.awssdk.services.kms.KmsClient;
import software.amazon.awssdk.services.kms.model.KeyMetadata;
import software.amazon.awssdk.services.kms.model.KmsException;
import software.amazon.awssdk.services.kms.model.NotFoundException;

/**
 * What a cluster restore needs, checked before the old target is renamed or anything else is changed, so that a
 * restore that cannot succeed is refused while the old target is still in place. Each check is a read:
 * <ol>
 *   <li>{@code PREFLIGHT_SUBNET_GROUP}: {@code target.subnet-group} exists
 *       (<a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBSubnetGroups.html">DescribeDBSubnetGroups</a>);</li>
 *   <li>{@code PREFLIGHT_SECURITY_GROUPS}: every {@code target.security-groups} id exists
 *       (<a href="https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeSecurityGroups.html">EC2 DescribeSecurityGroups</a>
 *       with the filter {@code group-id}, so missing ids are named instead of failing the whole call);</li>
 *   <li>{@code PREFLIGHT_KMS_KEY}: {@code target.kms-key-id} is visible to this (the target) account and
 *       {@code Enabled}
 *       (<a href="https://docs.aws.amazon.com/kms/latest/APIReference/API_DescribeKey.html">KMS DescribeKey</a>:
 *       {@code KeyMetadata.Enabled}, {@code KeyState}); {@code NotFoundException} or access denied means the key
 *       cannot be used;</li>
 *   <li>{@code PREFLIGHT_PARAMETER_GROUP}: {@code target.cluster-parameter-group}, when set, exists
 *       (<a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeDBClusterParameterGroups.html">DescribeDBClusterParameterGroups</a>);</li>
 *   <li>{@code PREFLIGHT_INSTANCE_CLASS}: {@code target.instance-class} is orderable for the engine and
 *       {@code target.engine-version}
 *       (<a href="https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DescribeOrderableDBInstanceOptions.html">DescribeOrderableDBInstanceOptions</a>).</li>
 * </ol>
 * All checks run; the refusal's code is the first one that failed and its message names everything missing.
 * The manual snapshot quota is not checked: {@code DescribeAccountAttributes} exists in the RDS API only (not in
 * DocumentDB's), and a missing final-snapshot headroom still fails the delete, which runs only after the new
 * target was verified, with the old target intact.
 */
@Singleton
public class TargetPreflight {

    private final Ec2Client ec2;
    private final KmsClient kms;

    /**
     * @param ec2 EC2 client of the target account and region
     * @param kms KMS client of the target account and region
     */
    public TargetPreflight(Ec2Client ec2, KmsClient kms) {
        this.ec2 = ec2;
        this.kms = kms;
    }

    /**
     * One missing or unusable prerequisite.
     *
     * @param code    {@link ErrorCode#PREFLIGHT_SUBNET_GROUP}, {@link ErrorCode#PREFLIGHT_SECURITY_GROUPS},
     *                {@link ErrorCode#PREFLIGHT_KMS_KEY}, {@link ErrorCode#PREFLIGHT_PARAMETER_GROUP} or
     *                {@link ErrorCode#PREFLIGHT_INSTANCE_CLASS}
     * @param message what is missing and which plan key names it
     */
    public record Problem(ErrorCode code, String message) {
    }

    /**
     * @param plan a cluster plan
     * @param api  the engine's control plane in the target account
     * @return what is missing, in the order of the checks; empty when the restore has all it needs
     */
    public List<Problem> check(RefreshPlan plan, ClusterApi api) {
        ClusterSettings c = plan.cluster();
        List<Problem> problems = new ArrayList<>();
        if (!api.subnetGroupExists(c.subnetGroup())) {
            problems.add(new Problem(ErrorCode.PREFLIGHT_SUBNET_GROUP, "DB subnet group '" + c.subnetGroup()
                    + "' (target.subnet-group) does not exist in the target account and region"));
        }
        Set<String> missing = missingSecurityGroups(c.securityGroups());
        if (!missing.isEmpty()) {
            problems.add(new Problem(ErrorCode.PREFLIGHT_SECURITY_GROUPS, "VPC security groups " + missing
                    + " (target.security-groups) do not exist in the target account and region"));
        }
        keyProblem(c.kmsKeyId()).ifPresent(m -> problems.add(new Problem(ErrorCode.PREFLIGHT_KMS_KEY, m)));
        if (c.clusterParameterGroup() != null && !api.clusterParameterGroupExists(c.clusterParameterGroup())) {
            problems.add(new Problem(ErrorCode.PREFLIGHT_PARAMETER_GROUP, "DB cluster parameter group '"
                    + c.clusterParameterGroup() + "' (target.cluster-parameter-group) does not exist"));
        }
        if (!api.instanceClassOrderable(plan.engine(), c.engineVersion(), c.instanceClass())) {
            problems.add(new Problem(ErrorCode.PREFLIGHT_INSTANCE_CLASS, "instance class " + c.instanceClass()
                    + " (target.instance-class) is not orderable for " + plan.engine()
                    + (c.engineVersion() == null ? "" : " " + c.engineVersion()) + " in this region"));
        }
        return problems;
    }

    /** @return a description of what was checked, for the audit log */
    static String checked(RefreshPlan plan) {
        ClusterSettings c = plan.cluster();
        return "subnet group " + c.subnetGroup() + ", security groups " + c.securityGroups() + ", KMS key "
                + c.kmsKeyId() + " Enabled" + (c.clusterParameterGroup() == null ? ""
                : ", cluster parameter group " + c.clusterParameterGroup()) + ", instance class " + c.instanceClass()
                + " orderable for " + plan.engine() + (c.engineVersion() == null ? "" : " " + c.engineVersion());
    }

    private Set<String> missingSecurityGroups(List<String> ids) {
        Set<String> missing = new LinkedHashSet<>(ids == null ? List.of() : ids);
        if (missing.isEmpty()) {
            return missing;
        }
        List<String> wanted = List.copyOf(missing);
        ec2.describeSecurityGroupsPaginator(r -> r.filters(f -> f.name("group-id").values(wanted))).securityGroups()
                .stream().map(SecurityGroup::groupId).forEach(missing::remove);
        return missing;
    }

    private Optional<String> keyProblem(String keyId) {
        if (keyId == null) {
            return Optional.empty();
        }
        KeyMetadata key;
        try {
            key = kms.describeKey(r -> r.keyId(keyId)).keyMetadata();
        } catch (NotFoundException e) {
            return Optional.of("KMS key " + keyId + " (target.kms-key-id) does not exist in the target account and"
                    + " region (DescribeKey: NotFoundException)");
        } catch (KmsException e) {
            if (e.statusCode() == 400 && e.awsErrorDetails() != null
                    && e.awsErrorDetails().errorCode() != null && e.awsErrorDetails().errorCode().contains("AccessDenied")) {
                return Optional.of("KMS key " + keyId + " (target.kms-key-id) may not be used by the target account:"
                        + " DescribeKey was denied; the key policy and cluster-service's role must allow kms:DescribeKey,"
                        + " kms:CreateGrant");
            }
            throw e;
        }
        if (!Boolean.TRUE.equals(key.enabled())) {
            return Optional.of("KMS key " + keyId + " (target.kms-key-id) is " + key.keyStateAsString()
                    + ", not Enabled; enable it (kms:EnableKey) or name another key");
        }
        return Optional.empty();
    }
}
