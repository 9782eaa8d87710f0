package dev.dbrefresh.reliability.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dbrefresh.contracts.EventCodec;
import dev.dbrefresh.contracts.EventEnvelope;
import dev.dbrefresh.contracts.MalformedEventException;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.runtime.messaging.InboundTranslator;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.snapshot.trigger.AwsBackupTranslator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The AWS Backup "backup job completed" notifications on the start queue ({@link AwsBackupTranslator}: EventBridge
 * events, SNS texts with message attributes, the seed's JSON form). For any body and attributes the translator says
 * "not mine" (empty), translates (every start message it makes is a valid {@code refresh.requested} of a plan whose
 * pattern matches, with the recovery point as its snapshot), or throws {@link MalformedEventException} — never another
 * exception, which would make the consumer retry a message that can never succeed.
 */
class AwsBackupFuzzTest {

    private static final PlanCatalog PLANS = plans();
    private static final AwsBackupTranslator TRANSLATOR = new AwsBackupTranslator(PLANS);

    private static final String EVENTBRIDGE = """
            {"version": "0", "id": "710b0398-d48e-f3c3-afca-cfeb2fdaa657", "detail-type": "Backup Job State Change",
             "source": "aws.backup", "account": "111111111111", "time": "2026-11-21T02:10:30Z", "region": "eu-west-1",
             "resources": ["arn:aws:dynamodb:eu-west-1:111111111111:table/orders-production"],
             "detail": {"backupJobId": "4f1c2b3a-1111-2222-3333-444455556666", "backupVaultName": "Default",
               "recoveryPointArn": "arn:aws:dynamodb:eu-west-1:111111111111:table/orders-production/backup/01700000000000-abcdef12",
               "resourceArn": "arn:aws:dynamodb:eu-west-1:111111111111:table/orders-production", "resourceType": "DynamoDB",
               "state": "COMPLETED", "statusMessage": "", "creationDate": "2026-11-21T02:00:00Z"}}""";
    private static final String SEED = """
            {"EventType": "BACKUP_JOB_COMPLETED", "StatusMessage": "", "BackupJobID": "5a5a5a5a-1111-2222-3333-444455556666",
             "RecoveryPointArn": "arn:aws:rds:eu-west-1:111111111111:cluster-snapshot:awsbackup:job-5a5a5a5a",
             "BackedUpResourceArn": "arn:aws:rds:eu-west-1:111111111111:cluster:shop-production"}""";
    private static final String SNS_TEXT = "An AWS Backup job was completed successfully. Recovery point ARN: "
            + "arn:aws:dynamodb:eu-west-1:111111111111:table/orders-production/backup/01700000000000-abcdef12. Resource ARN : "
            + "arn:aws:dynamodb:eu-west-1:111111111111:table/orders-production. BackupJob ID : 4f1c2b3a-1111-2222-3333-444455556666";

    @Test
    void anyNotification_isIgnored_translatedToValidStarts_orRefusedAsMalformed() {
        Property.check("anyNotification_isIgnored_translatedToValidStarts_orRefusedAsMalformed", 10_000, bodies(), attributes(),
                this::anyNotification_isIgnored_translatedToValidStarts_orRefusedAsMalformed);
    }

    void anyNotification_isIgnored_translatedToValidStarts_orRefusedAsMalformed(String body,
            Map<String, String> attributes) {
        Optional<InboundTranslator.Translation> t = Fuzz.expectBounded("aws-backup-event",
                () -> TRANSLATOR.translate(body, attributes), MalformedEventException.class);
        if (t == null || t.isEmpty()) {
            return;
        }
        assertThat(t.get().source()).isNotBlank();
        for (EventEnvelope start : t.get().events()) {
            // what the start queue's consumer will read when the translated start message comes back
            var decoded = EnvelopeFuzzTest.decode(EventCodec.encode(start));
            RefreshRequested request = (RefreshRequested) decoded.event();
            assertThat(PLANS.all()).containsKey(request.plan());
            assertThat(request.snapshotId()).isNotBlank();
            assertThat(request.values()).isNullOrEmpty();
            assertThat(start.id()).startsWith("aws-backup-").endsWith("-" + request.plan());
        }
    }

    Gen<String> bodies() {
        Gen<String> json = Fuzz.mutated(Gen.of(EVENTBRIDGE, SEED).map(AwsBackupFuzzTest::tree))
                .map(JsonNode::toString);
        Gen<String> text = Gen.combine(Gen.of(SNS_TEXT), Fuzz.hostile(),
                Gen.integers(0, 1 << 20), Gen.integers(0, 2)).as((s, h, at, kind) -> {
                    int i = at % s.length();
                    return switch (kind) {
                        case 0 -> s.substring(0, i) + h + s.substring(i);
                        case 1 -> s.substring(0, i) + h;
                        default -> s.replace("4f1c2b3a-1111-2222-3333-444455556666", h);
                    };
                });
        Gen<String> prefixed = Fuzz.hostile().map(h -> "An AWS Backup job " + h);
        return Gen.frequencyOf(Gen.weighted(40, json), Gen.weighted(20, text), Gen.weighted(5, prefixed),
                Gen.weighted(10, Fuzz.damaged(json)), Gen.weighted(5, Fuzz.json(4).map(JsonNode::toString)),
                Gen.weighted(5, Fuzz.randomBytes()), Gen.weighted(3, Fuzz.deeplyNested()),
                Gen.weighted(2, Fuzz.hugeOrDeepInside(Gen.just(EVENTBRIDGE))), Gen.weighted(3, Fuzz.hostile()),
                Gen.weighted(1, Gen.of(SNS_TEXT.repeat(300), "An AWS Backup job " + " ".repeat(200_000))));
    }

    /** Message attributes as SqsConsumer passes them: string values, or {@code null} for a binary attribute. */
    Gen<Map<String, String>> attributes() {
        Gen<String> value = Gen.frequencyOf(Gen.weighted(4, Gen.of("BACKUP_JOB", "COMPLETED",
                "FAILED", "completed", "BACKUP_JOB_STARTED", "RESTORE_JOB")), Gen.weighted(2, Fuzz.hostile()),
                Gen.weighted(1, Gen.just(null)));
        return Gen.maps(Gen.of("EventType", "State", "AccountId", "type"), value, 3)
                .map(HashMap::new);
    }

    private static JsonNode tree(String json) {
        try {
            return EventCodec.mapper().readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static PlanCatalog plans() {
        try {
            return PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree("""
                    plans:
                      orders:
                        source: {database: orders_production}
                        target: {database: orders_acceptance}
                        triggers: {aws-backup: {source-pattern: "^orders-production$"}}
                      shop:
                        source: {database: shop_production}
                        target: {database: shop_acceptance}
                        triggers: {aws-backup: {source-pattern: "^shop-"}}
                      any:
                        source: {database: a_production}
                        target: {database: a_acceptance}
                        triggers: {aws-backup: {source-pattern: "production"}}
                    """), Path.of("/tmp"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

}
