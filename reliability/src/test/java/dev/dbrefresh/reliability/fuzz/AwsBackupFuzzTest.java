package dev.dbrefresh.reliability.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dbrefresh.contracts.EventCodec;
import dev.dbrefresh.contracts.EventEnvelope;
import dev.dbrefresh.contracts.MalformedEventException;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.runtime.messaging.InboundTranslator;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.snapshot.trigger.AwsBackupSamples;
import dev.dbrefresh.snapshot.trigger.AwsBackupTranslator;
import java.io.IOException;
import java.io.UncheckedIOException;
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

    private static final PlanCatalog PLANS = AwsBackupSamples.plans();
    private static final AwsBackupTranslator TRANSLATOR = new AwsBackupTranslator(PLANS);

    private static final String EVENTBRIDGE = AwsBackupSamples.sample("eventbridge-completed.json");
    private static final String SEED = AwsBackupSamples.sample("seed-json.json");
    private static final String SNS_TEXT = AwsBackupSamples.snsText();

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
                        default -> s.replace(AwsBackupSamples.JOB, h);
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
}
