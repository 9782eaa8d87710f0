package dev.dbrefresh.snapshot.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dbrefresh.contracts.EventCodec;
import dev.dbrefresh.contracts.EventEnvelope;
import dev.dbrefresh.contracts.Routing;
import dev.dbrefresh.runtime.lease.DynamoDbLeaseStore;
import dev.dbrefresh.runtime.lease.LeaseStore;
import dev.dbrefresh.engine.postgres.testing.TestDatabases;
import dev.dbrefresh.runtime.plan.PlanIdentities;
import dev.dbrefresh.local.aws.LocalAws;
import dev.dbrefresh.runtime.messaging.EventPublisher;
import dev.dbrefresh.runtime.messaging.MessagingSettings;
import dev.dbrefresh.runtime.messaging.QueueUrls;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.runtime.testing.MutableClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.sqs.SqsClient;

/** The local scheduler with a clock moved by hand, against ElasticMQ and DynamoDB Local. */
class PlanSchedulerTest {

    private static LocalAws aws;
    private static SqsClient sqs;
    private static LeaseStore leases;
    /** Identities as the server at 127.0.0.1:5432 states them (trust auth: no secrets). */
    private static final PlanIdentities IDENTITIES = TestDatabases.IDENTITIES::of;
    private static EventPublisher publisher;

    @BeforeAll
    static void startAws() throws Exception {
        aws = LocalAws.start(0, 0, null, 5);
        sqs = aws.sqsClient();
        leases = new DynamoDbLeaseStore(aws.dynamoClient(), "dbrefresh-leases");
        publisher = new EventPublisher(sqs, null, new QueueUrls(sqs), new Settings());
    }

    @AfterAll
    static void stopAws() {
        aws.close();
    }

    @Test
    void fire_shouldPublishOneStartPerOccurrence_inThePlansTimeZone() throws Exception {
        MutableClock clock = new MutableClock(local("2026-11-22T01:59:00"));
        PlanScheduler scheduler = new PlanScheduler(plans("nightly", "0 2 * * *"), leases, IDENTITIES, publisher, clock);
        scheduler.fire();

        clock.set(local("2026-11-22T02:00:20"));
        List<String> first = scheduler.fire();
        clock.set(local("2026-11-22T02:00:50"));
        List<String> sameMinute = scheduler.fire();
        clock.set(local("2026-11-22T02:30:00"));
        List<String> later = scheduler.fire();

        assertThat(first).containsExactly("sched-nightly-20261122-0100");
        assertThat(sameMinute).isEmpty();
        assertThat(later).isEmpty();
        List<EventEnvelope> published = drain();
        assertThat(published).extracting(EventEnvelope::runId).containsExactly("sched-nightly-20261122-0100");
        assertThat(published.get(0).id()).isEqualTo("schedule-nightly-" + local("2026-11-22T02:00:00").getEpochSecond());
        assertThat(EventCodec.payload(published.get(0)).plan()).isEqualTo("nightly");
    }

    @Test
    void fire_shouldStartNothing_whileAnotherRunHoldsTheTarget() throws Exception {
        PlanCatalog plans = plans("busy", "0 2 * * *");
        String target = IDENTITIES.targetKey(plans.require("busy"));
        leases.acquire(target, "run-manual-1", Duration.ofHours(1));
        MutableClock clock = new MutableClock(local("2026-11-22T01:59:00"));
        PlanScheduler scheduler = new PlanScheduler(plans, leases, IDENTITIES, publisher, clock);
        scheduler.fire();

        clock.set(local("2026-11-22T02:00:10"));
        List<String> whileBusy = scheduler.fire();
        leases.release(target, "run-manual-1");
        clock.set(local("2026-11-23T02:00:10"));
        List<String> nextDay = scheduler.fire();

        assertThat(whileBusy).isEmpty();
        assertThat(nextDay).containsExactly("sched-busy-20261123-0100");
        assertThat(drain()).extracting(EventEnvelope::runId).containsExactly("sched-busy-20261123-0100");
    }

    @Test
    void twoSchedulers_shouldPublishTheSameStartMessage_soIdempotencyKeepsOne() throws Exception {
        PlanCatalog plans = plans("twice", "*/15 * * * *");
        MutableClock clock = new MutableClock(Instant.parse("2026-11-22T10:14:50Z"));
        PlanScheduler a = new PlanScheduler(plans, leases, IDENTITIES, publisher, clock);
        PlanScheduler b = new PlanScheduler(plans, leases, IDENTITIES, publisher, clock);
        a.fire();
        b.fire();

        clock.set(Instant.parse("2026-11-22T10:15:05Z"));
        a.fire();
        b.fire();

        List<EventEnvelope> published = drain();
        assertThat(published).hasSize(2);
        assertThat(published).extracting(EventEnvelope::id).containsOnly("schedule-twice-"
                + Instant.parse("2026-11-22T10:15:00Z").getEpochSecond());
    }

    private static Instant local(String dateTime) {
        return java.time.LocalDateTime.parse(dateTime).atZone(ZoneId.of("Europe/Amsterdam")).toInstant();
    }

    private static PlanCatalog plans(String name, String cron) throws Exception {
        return PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree("""
                plans:
                  %s:
                    source: {database: %s_production}
                    target: {database: %s_acceptance}
                    triggers: {schedule: {cron: "%s", time-zone: Europe/Amsterdam}}
                """.formatted(name, name, name, cron)), Path.of("/tmp"));
    }

    private static List<EventEnvelope> drain() {
        String url = sqs.getQueueUrl(r -> r.queueName(Routing.SNAPSHOT_QUEUE)).queueUrl();
        List<EventEnvelope> out = new ArrayList<>();
        while (true) {
            var messages = sqs.receiveMessage(r -> r.queueUrl(url).maxNumberOfMessages(10).waitTimeSeconds(1)).messages();
            if (messages.isEmpty()) {
                return out;
            }
            for (var m : messages) {
                out.add(EventCodec.decode(m.body()));
                sqs.deleteMessage(r -> r.queueUrl(url).receiptHandle(m.receiptHandle()));
            }
        }
    }

    private static final class Settings implements MessagingSettings {
        public String getQueue() {
            return Routing.SNAPSHOT_QUEUE;
        }

        public String getService() {
            return "snapshot-service";
        }

        public String getMode() {
            return "local";
        }

        public String getTopicArn() {
            return "";
        }

        public int getWorkers() {
            return 1;
        }

        public int getWaitTimeSeconds() {
            return 1;
        }

        public int getBackoffBaseSeconds() {
            return 1;
        }

        public int getBackoffMaxSeconds() {
            return 2;
        }

        public boolean isConsumerEnabled() {
            return false;
        }
    }
}
