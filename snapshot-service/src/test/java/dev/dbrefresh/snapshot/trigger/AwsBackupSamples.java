package dev.dbrefresh.snapshot.trigger;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dbrefresh.contracts.EventCodec;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The AWS Backup notifications {@link AwsBackupTranslator} reads, as test resources under {@code /aws-backup/}
 * (EventBridge "Backup Job State Change" events, the SNS notification, the seed's JSON form), and a plans file whose
 * {@code triggers.aws-backup.source-pattern}s match them. Shared with the reliability suite's fuzzing through
 * snapshot-service's test-jar.
 */
public final class AwsBackupSamples {

    /** The backup job of the EventBridge and SNS samples. */
    public static final String JOB = "4f1c2b3a-1111-2222-3333-444455556666";
    /** The recovery point of the EventBridge and SNS samples (a DynamoDB backup of {@code orders-production}). */
    public static final String RECOVERY_POINT =
            "arn:aws:dynamodb:eu-west-1:111111111111:table/orders-production/backup/01700000000000-abcdef12";

    private AwsBackupSamples() {
    }

    /**
     * @param name a file under {@code /aws-backup/}, e.g. {@code eventbridge-completed.json}
     * @return its text
     * @throws IllegalArgumentException when there is no such sample
     */
    public static String sample(String name) {
        try (InputStream in = AwsBackupSamples.class.getResourceAsStream("/aws-backup/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no AWS Backup sample /aws-backup/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** @return the text AWS Backup sends to an SNS topic: the {@code Message} of {@code sns-notification.json} */
    public static String snsText() {
        try {
            return EventCodec.mapper().readTree(sample("sns-notification.json")).get("Message").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * @return plans triggered by the samples: {@code orders} (exactly {@code orders-production}), {@code shop}
     *         ({@code shop-*}), {@code all-production} (any {@code *-production}) and {@code untriggered}
     */
    public static PlanCatalog plans() {
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
                      all-production:
                        source: {database: a_production}
                        target: {database: a_acceptance}
                        triggers: {aws-backup: {source-pattern: "(?i)-production$"}}
                      untriggered:
                        source: {database: b_production}
                        target: {database: b_acceptance}
                    """), Path.of("/tmp"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
