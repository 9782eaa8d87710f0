package dev.dbrefresh.e2e;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.rds.RdsClient;
import software.amazon.awssdk.services.rds.model.Tag;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;

/**
 * What the production and acceptance accounts already hold before a refresh, made in an {@link AwsEmulator} (moto
 * here) for the AWS-mode end-to-end tests, and the plans that refresh them: an Aurora PostgreSQL source cluster with the snapshot
 * {@code prod-nightly}, target clusters, a DB subnet group of moto's default subnets, a security group and the
 * target's master password secret; and the AWS Backup notification of a DynamoDB table's new backup.
 */
public final class MotoWorld {

    /** The Aurora source cluster. */
    public static final String SOURCE_CLUSTER = "e2e-prod";
    /** Its snapshot that the Aurora plans name. */
    public static final String SOURCE_SNAPSHOT = "prod-nightly";

    private MotoWorld() {
    }

    /**
     * The Aurora side: what {@link #auroraPlan} refers to.
     *
     * @param kmsKey        ARN of the acceptance KMS key
     * @param secret        ARN of the target's master password secret
     * @param securityGroup id of the security group of the restored cluster
     */
    public record Aurora(String kmsKey, String secret, String securityGroup) {
    }

    /**
     * Creates the source cluster and its snapshot, the subnet group {@code e2e-subnets}, a security group and the
     * master password secret.
     *
     * @param moto       the emulator (with {@link AwsEmulator.Capability#RDS})
     * @param suffix     the test's random suffix (names that must not collide between test classes)
     * @param kmsKey     ARN of the KMS key of the source cluster and the copy
     * @param secretName name of the master password secret
     * @return what the plans refer to
     */
    public static Aurora aurora(AwsEmulator moto, String suffix, String kmsKey, String secretName) {
        RdsClient rds = moto.client(RdsClient.builder());
        String secret = moto.client(SecretsManagerClient.builder())
                .createSecret(r -> r.name(secretName).secretString("{\"password\":\"acc-master-pw\"}")).arn();
        rds.createDBCluster(r -> r.dbClusterIdentifier(SOURCE_CLUSTER).engine("aurora-postgresql").masterUsername("postgres")
                .masterUserPassword("prod-master-pw").storageEncrypted(true).kmsKeyId(kmsKey));
        rds.createDBClusterSnapshot(r -> r.dbClusterIdentifier(SOURCE_CLUSTER).dbClusterSnapshotIdentifier(SOURCE_SNAPSHOT));
        // What the restore preflight checks: a DB subnet group (of moto's default VPC subnets) and a security group.
        Ec2Client ec2 = moto.client(Ec2Client.builder());
        rds.createDBSubnetGroup(r -> r.dbSubnetGroupName("e2e-subnets").dbSubnetGroupDescription("e2e")
                .subnetIds(ec2.describeSubnets().subnets().stream().map(s -> s.subnetId()).toList()));
        String group = ec2.createSecurityGroup(r -> r.groupName("e2e-db-" + suffix).description("e2e")).groupId();
        return new Aurora(kmsKey, secret, group);
    }

    /**
     * Creates a target cluster with one instance, {@code <cluster>-1}.
     *
     * @param moto    the emulator
     * @param cluster its identifier
     * @param tagged  whether it carries the tag {@code dbrefresh:refresh-target=true} that the plans require
     */
    public static void auroraTarget(AwsEmulator moto, String cluster, boolean tagged) {
        RdsClient rds = moto.client(RdsClient.builder());
        List<Tag> tags = tagged ? List.of(Tag.builder().key("dbrefresh:refresh-target").value("true").build()) : List.of();
        rds.createDBCluster(r -> r.dbClusterIdentifier(cluster).engine("aurora-postgresql").masterUsername("postgres")
                .masterUserPassword("old-master-pw").tags(tags));
        rds.createDBInstance(r -> r.dbInstanceIdentifier(cluster + "-1").dbClusterIdentifier(cluster)
                .engine("aurora-postgresql").dbInstanceClass("db.r6g.large"));
    }

    /**
     * moto names a cluster's and an instance's automated snapshot {@code rds:<identifier>-<minute>} and keeps it
     * after the cluster or instance was renamed, so a new one of the old name within that minute would collide with
     * it (not so on AWS): deletes every automated snapshot, to be called after making clusters and before a refresh.
     *
     * @param moto the emulator (with {@link AwsEmulator.Capability#RDS})
     */
    public static void dropAutomatedSnapshots(AwsEmulator moto) {
        RdsClient rds = moto.client(RdsClient.builder());
        rds.describeDBSnapshots(r -> r.snapshotType("automated")).dbSnapshots()
                .forEach(s -> rds.deleteDBSnapshot(d -> d.dbSnapshotIdentifier(s.dbSnapshotIdentifier())));
        rds.describeDBClusterSnapshots(r -> r.snapshotType("automated")).dbClusterSnapshots()
                .forEach(s -> rds.deleteDBClusterSnapshot(d -> d.dbClusterSnapshotIdentifier(
                        s.dbClusterSnapshotIdentifier())));
    }

    /**
     * An Aurora PostgreSQL plan (two instances, one reader user) as an entry of {@code plans:}, indented for it.
     * moto holds no data: users-service reaches the "restored" cluster through {@code test-endpoint-overrides},
     * a local PostgreSQL database.
     *
     * @param name           plan name; its parameters are {@code /dbrefresh/<name>/snapshot/latest|current}
     * @param target         target cluster
     * @param aurora         the world's keys, secret and security group
     * @param database       the local PostgreSQL database with the data
     * @param reader         the reader user the plan creates
     * @param readerPassword file with the reader's password
     * @return the plan's YAML lines
     */
    public static String auroraPlan(String name, String target, Aurora aurora, String database, String reader,
            Path readerPassword) {
        return """
                  %s:
                    engine: aurora-postgresql
                    source: {account: "123456789012", region: us-east-1, cluster: %s, snapshot: %s, share-from-source: true}
                    target:
                      account: "222222222222"
                      region: us-east-1
                      cluster: %s
                      kms-key-id: %s
                      subnet-group: e2e-subnets
                      security-groups: [%s]
                      instance-class: db.r6g.large
                      instances: 2
                      required-tag: dbrefresh:refresh-target=true
                      master-username: postgres
                      master-password-secret: %s
                      database: %s
                    wait: {first-poll-seconds: 1, max-poll-seconds: 2, deadline-minutes: 10}
                    parameters: {latest: /dbrefresh/%s/snapshot/latest, current: /dbrefresh/%s/snapshot/current}
                    users:
                      - name: %s
                        password-secret: file:%s
                        grants:
                          - {on: database, privileges: [CONNECT]}
                          - {on: all-tables, schema: public, privileges: [SELECT]}
                    guards: {protected-patterns: ["(?i).*prod.*"]}
                    test-endpoint-overrides: {"*": "127.0.0.1:5432"}
                """.formatted(name, SOURCE_CLUSTER, SOURCE_SNAPSHOT, target, aurora.kmsKey(), aurora.securityGroup(),
                aurora.secret(), database, name, name, reader, readerPassword);
    }

    /**
     * Creates a table with the string hash key {@code id} (on demand), holding {@code order-0} ... {@code order-<n-1>}.
     *
     * @param aws   the emulator
     * @param table the table's name
     * @param items how many items it gets
     */
    public static void ordersTable(AwsEmulator aws, String table, int items) {
        DynamoDbClient dynamo = aws.dynamo();
        dynamo.createTable(r -> r.tableName(table).billingMode("PAY_PER_REQUEST")
                .keySchema(k -> k.attributeName("id").keyType(KeyType.HASH))
                .attributeDefinitions(a -> a.attributeName("id").attributeType(ScalarAttributeType.S)));
        for (int i = 0; i < items; i++) {
            String id = "order-" + i;
            dynamo.putItem(r -> r.tableName(table).item(Map.of("id", AttributeValue.fromS(id))));
        }
    }

    /**
     * Makes an on-demand backup of a table and puts the notification of its completion, as the AWS Backup
     * rotator seed receives it ({@code BACKUP_JOB_COMPLETED}), on the start queue.
     *
     * @param moto  the emulator (with {@link AwsEmulator.Capability#DYNAMODB_BACKUPS})
     * @param table the backed-up table
     * @param plan  the plan whose {@code triggers.aws-backup.source-pattern} matches the table
     * @return the run id snapshot-service gives the run ({@code backup-<job id>-<plan>})
     */
    public static String backupCompleted(AwsEmulator moto, String table, String plan) {
        DynamoDbClient dynamo = moto.dynamo();
        String backupArn = dynamo.createBackup(r -> r.tableName(table).backupName("nightly")).backupDetails().backupArn();
        String tableArn = dynamo.describeTable(r -> r.tableName(table)).table().tableArn();
        String job = UUID.randomUUID().toString();
        String event = """
                {"EventType":"BACKUP_JOB_COMPLETED","StatusMessage":"","BackupJobID":"%s",
                 "RecoveryPointArn":"%s","BackedUpResourceArn":"%s"}
                """.formatted(job, backupArn, tableArn);
        var sqs = moto.sqs();
        String startQueue = sqs.getQueueUrl(r -> r.queueName("dbrefresh-snapshot")).queueUrl();
        sqs.sendMessage(r -> r.queueUrl(startQueue).messageBody(event));
        return "backup-" + job + "-" + plan;
    }
}
