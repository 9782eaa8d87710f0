package dev.dbrefresh.runtime.testing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditLog;
import dev.dbrefresh.runtime.lease.LeaseStore;
import dev.dbrefresh.local.aws.LocalAws;
import io.micronaut.context.ApplicationContext;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.sqs.SqsClient;
import software.amazon.awssdk.services.sqs.model.QueueAttributeName;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One service under test: ElasticMQ and DynamoDB Local in this JVM ({@link LocalAws}, fresh queues,
 * DLQs and tables) and the service's own application context in environment {@code local}, pointed
 * at them. The context is built here rather than by {@code @MicronautTest} so that it is closed before
 * the emulators and the databases it uses go away. The service is whichever one's beans are on the test
 * classpath: each service module's integration tests use this class.
 */
public final class ServiceStack implements AutoCloseable {

    /** How long a test waits for an asynchronous outcome before it fails. */
    public static final Duration PATIENCE = Duration.ofSeconds(90);

    private final LocalAws aws;
    private final SqsClient sqs;
    private ApplicationContext context;

    private ServiceStack(LocalAws aws) {
        this.aws = aws;
        this.sqs = aws.sqsClient();
    }

    /**
     * Starts the emulators (no service yet).
     *
     * @param maxReceiveCount redrive policy of every service queue
     * @return the stack, its service not started yet
     * @throws Exception when an emulator cannot start
     */
    public static ServiceStack emulators(int maxReceiveCount) throws Exception {
        return new ServiceStack(LocalAws.start(0, 0, null, maxReceiveCount));
    }

    /**
     * Starts the service: its consumer begins polling its queue at once.
     *
     * @param properties the test's own properties (plans file, datasource, ...); they override the defaults
     * @return this stack
     */
    public ServiceStack startService(Map<String, Object> properties) {
        Map<String, Object> all = new HashMap<>(aws.serviceProperties());
        all.put("dbrefresh.messaging.wait-time-seconds", 1);
        all.put("dbrefresh.messaging.backoff-base-seconds", 1);
        all.put("micronaut.server.port", -1);
        all.putAll(properties);
        context = ApplicationContext.builder().environments("test", "local").deduceEnvironment(false)
                .properties(all).start();
        return this;
    }

    /** @return the service's application context, {@code null} before {@link #startService(Map)} */
    public ApplicationContext context() {
        return context;
    }

    /** @return a client of the in-JVM ElasticMQ */
    public SqsClient sqs() {
        return sqs;
    }

    /** @return the service's audit log bean */
    public AuditLog audit() {
        return context.getBean(AuditLog.class);
    }

    /** @return the service's lease store bean */
    public LeaseStore leases() {
        return context.getBean(LeaseStore.class);
    }

    /** @return a new, empty {@link Inbox} of a queue (by name) */
    public Inbox inbox(String queue) {
        return new Inbox(sqs, queue);
    }

    /** @return the URL of a queue, by name */
    public String queueUrl(String queue) {
        return sqs.getQueueUrl(r -> r.queueName(queue)).queueUrl();
    }

    /** Sends a message body to a queue, as SNS raw delivery or the local publisher would. */
    public void send(String queue, JsonNode envelope) {
        String body = envelope.toString();
        sqs.sendMessage(r -> r.queueUrl(queueUrl(queue)).messageBody(body));
    }

    /** Waits until a queue has no message left: none visible, in flight or delayed. */
    public void awaitDrained(String queue) {
        String url = queueUrl(queue);
        await("queue " + queue + " drained").atMost(PATIENCE).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            var attrs = sqs.getQueueAttributes(r -> r.queueUrl(url).attributeNames(
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES,
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_NOT_VISIBLE,
                    QueueAttributeName.APPROXIMATE_NUMBER_OF_MESSAGES_DELAYED)).attributes();
            assertThat(attrs).as("message counts of %s", queue).allSatisfy((k, v) -> assertThat(v).isEqualTo("0"));
        });
    }

    /** @return the run's audit entries written by this service */
    public List<AuditEntry> auditOf(String runId) {
        return audit().entries(runId);
    }

    @Override
    public void close() {
        if (context != null) {
            context.close();
        }
        aws.close();
    }
}
