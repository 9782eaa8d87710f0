package dev.dbrefresh.notifier.aws;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dbrefresh.contracts.EventCodec;
import dev.dbrefresh.contracts.TableRowCount;
import dev.dbrefresh.notifier.domain.Notification;
import dev.dbrefresh.runtime.messaging.EventPublisher;
import dev.dbrefresh.runtime.params.SsmParameterStore;
import dev.dbrefresh.runtime.testing.MotoServer;
import dev.dbrefresh.runtime.testing.Beans;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sns.SnsClient;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.Message;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;
import software.amazon.awssdk.services.ssm.SsmClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link TopicPublisher} and {@link EndpointParameterWriter} against moto ({@code moto_server}, started
 * for this class; skipped where it is not installed): the notification travels through an SNS topic
 * into an SQS queue subscribed to it, and the endpoint lands in an SSM parameter.
 */
class NotificationChannelsMotoTest {

    private static MotoServer moto;
    private static SnsClient sns;
    private static SqsClient sqs;
    private static SsmClient ssm;

    @BeforeAll
    static void start() throws Exception {
        moto = MotoServer.startOrSkip();
        sns = moto.client(SnsClient.builder());
        sqs = moto.client(SqsClient.builder());
        ssm = moto.client(SsmClient.builder());
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {sns, sqs, ssm, moto}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    void publish_shouldDeliverTheNotificationThroughTheTopic_whenAQueueIsSubscribed() {
        String topicArn = sns.createTopic(r -> r.name("dbrefresh-notify")).topicArn();
        String queueUrl = sqs.createQueue(r -> r.queueName("team-inbox")).queueUrl();
        String queueArn = sqs.getQueueAttributes(r -> r.queueUrl(queueUrl).attributeNames(QueueAttributeName.QUEUE_ARN))
                .attributes().get(QueueAttributeName.QUEUE_ARN);
        sns.subscribe(r -> r.topicArn(topicArn).protocol("sqs").endpoint(queueArn)
                .attributes(Map.of("RawMessageDelivery", "true")));
        Notification n = new Notification("run-20261121-1", "acc-aurora", "succeeded", "copy-prod-1",
                "acc.cluster-x.eu-west-1.rds.amazonaws.com", 42, List.of(new TableRowCount("public", "t", 42)), null,
                null, "refresh of plan acc-aurora succeeded", true, List.of("users-service/verify succeeded 5ms"),
                Instant.parse("2026-11-21T23:00:00Z"), null);

        String messageId = new TopicPublisher(new EventPublisher(null, sns, null, null)).publish(topicArn, n);

        List<Message> received = sqs.receiveMessage(r -> r.queueUrl(queueUrl).waitTimeSeconds(5)
                .messageAttributeNames("All")).messages();
        assertThat(messageId).isNotBlank();
        assertThat(received).hasSize(1);
        JsonNode body = EventCodec.fromJson(received.get(0).body(), JsonNode.class);
        assertThat(body.path("runId").asText()).isEqualTo("run-20261121-1");
        assertThat(body.path("result").asText()).isEqualTo("succeeded");
        assertThat(body.path("rowsVerified").asLong()).isEqualTo(42);
        assertThat(body.path("endpoint").asText()).isEqualTo("acc.cluster-x.eu-west-1.rds.amazonaws.com");
        assertThat(received.get(0).messageAttributes()).hasEntrySatisfying("result",
                v -> assertThat(v.stringValue()).isEqualTo("succeeded"));
    }

    @Test
    void write_shouldPutTheEndpointAsANewParameterVersion_whenWrittenTwice() {
        EndpointParameterWriter writer = new EndpointParameterWriter(Beans.provider(new SsmParameterStore(ssm)));

        long first = writer.write("/app/acceptance/db-endpoint", "old.cluster-x.eu-west-1.rds.amazonaws.com");
        long second = writer.write("/app/acceptance/db-endpoint", "new.cluster-x.eu-west-1.rds.amazonaws.com");

        assertThat(second).isEqualTo(first + 1);
        assertThat(ssm.getParameter(r -> r.name("/app/acceptance/db-endpoint")).parameter().value())
                .isEqualTo("new.cluster-x.eu-west-1.rds.amazonaws.com");
    }
}
