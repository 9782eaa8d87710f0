package dev.dbrefresh.snapshot.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static dev.dbrefresh.snapshot.trigger.AwsBackupSamples.JOB;
import static dev.dbrefresh.snapshot.trigger.AwsBackupSamples.RECOVERY_POINT;
import static dev.dbrefresh.snapshot.trigger.AwsBackupSamples.plans;
import static dev.dbrefresh.snapshot.trigger.AwsBackupSamples.sample;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dbrefresh.contracts.EventCodec;
import dev.dbrefresh.contracts.EventEnvelope;
import dev.dbrefresh.contracts.MalformedEventException;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.runtime.messaging.InboundTranslator.Translation;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AwsBackupTranslatorTest {

    private final AwsBackupTranslator translator = new AwsBackupTranslator(plans());

    @Test
    void translate_shouldStartOneRunPerMatchingPlan_fromEventBridgeEvent() throws IOException {
        Translation t = translator.translate(sample("eventbridge-completed.json"), Map.of()).orElseThrow();

        assertThat(t.ignoredReason()).isNull();
        assertThat(t.events()).extracting(EventEnvelope::runId)
                .containsExactlyInAnyOrder("backup-" + JOB + "-orders", "backup-" + JOB + "-all-production");
        RefreshRequested request = (RefreshRequested) EventCodec.payload(t.events().get(0));
        assertThat(request.snapshotId()).isEqualTo(RECOVERY_POINT);
        assertThat(request.trigger()).isEqualTo("aws-backup");
    }

    @Test
    void translate_shouldGiveTheSameEventIds_forSnsAndEventBridgeDeliveriesOfOneJob() throws IOException {
        Translation viaEventBridge = translator.translate(sample("eventbridge-completed.json"), Map.of()).orElseThrow();
        JsonNode sns = EventCodec.mapper().readTree(sample("sns-notification.json"));
        Translation viaSns = translator.translate(sns.get("Message").asText(),
                Map.of("EventType", "BACKUP_JOB", "State", "COMPLETED")).orElseThrow();

        assertThat(viaSns.events()).extracting(EventEnvelope::id)
                .containsExactlyInAnyOrderElementsOf(viaEventBridge.events().stream().map(EventEnvelope::id).toList());
        assertThat(viaSns.events()).extracting(EventEnvelope::runId)
                .containsExactlyInAnyOrderElementsOf(viaEventBridge.events().stream().map(EventEnvelope::runId).toList());
    }

    @Test
    void translate_shouldReadRawSnsDelivery_withoutAttributes() throws IOException {
        String message = AwsBackupSamples.snsText();

        Translation t = translator.translate(message, Map.of()).orElseThrow();

        assertThat(t.events()).hasSize(2);
        assertThat(((RefreshRequested) EventCodec.payload(t.events().get(0))).snapshotId()).isEqualTo(RECOVERY_POINT);
    }

    @Test
    void translate_shouldReadTheSeedsJsonShape() throws IOException {
        Translation t = translator.translate(sample("seed-json.json"), Map.of()).orElseThrow();

        assertThat(t.events()).extracting(EventEnvelope::runId)
                .containsExactlyInAnyOrder("backup-5a5a5a5a-1111-2222-3333-444455556666-shop",
                        "backup-5a5a5a5a-1111-2222-3333-444455556666-all-production");
    }

    @Test
    void translate_shouldIgnore_whenJobFailed() throws IOException {
        Translation t = translator.translate(sample("eventbridge-failed.json"), Map.of()).orElseThrow();

        assertThat(t.events()).isEmpty();
        assertThat(t.ignoredReason()).contains("FAILED");
    }

    @Test
    void translate_shouldIgnore_whenNoPlanMatchesTheResource() throws IOException {
        Translation t = translator.translate(sample("eventbridge-other-resource.json"), Map.of()).orElseThrow();

        assertThat(t.events()).isEmpty();
        assertThat(t.ignoredReason()).contains("orders-staging");
    }

    @Test
    void translate_shouldRefuse_whenCompletedJobLacksRecoveryPoint() {
        assertThatThrownBy(() -> translator.translate(sample("eventbridge-completed-without-recovery-point.json"), Map.of()))
                .isInstanceOf(MalformedEventException.class).hasMessageContaining("recovery point ARN");
    }

    @Test
    void translate_shouldLeaveOtherMessagesAlone() {
        assertThat(translator.translate("{\"specversion\":\"1.0\",\"type\":\"dbrefresh.refresh.requested.v1\"}", Map.of()))
                .isEqualTo(Optional.empty());
        assertThat(translator.translate("hello", Map.of())).isEmpty();
    }

    @Test
    void resourceName_shouldTakeTheLastPartOfTheArn() {
        assertThat(AwsBackupTranslator.resourceName("arn:aws:dynamodb:eu-west-1:1:table/orders-production"))
                .isEqualTo("orders-production");
        assertThat(AwsBackupTranslator.resourceName("arn:aws:rds:eu-west-1:1:cluster:shop-production"))
                .isEqualTo("shop-production");
    }
}
