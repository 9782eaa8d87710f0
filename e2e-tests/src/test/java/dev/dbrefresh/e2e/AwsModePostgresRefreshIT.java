package dev.dbrefresh.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dbrefresh.contracts.EventEnvelope;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.local.LocalPostgres;
import dev.dbrefresh.local.LocalStackRunner;
import dev.dbrefresh.local.ServiceProcesses;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.DynamoDbAuditLog;
import dev.dbrefresh.runtime.audit.AuditLog;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The four service jars in {@code aws} mode against moto: events go through one SNS topic to the
 * queues its filter policies select, parameters live in SSM, the audit log in DynamoDB. The refreshed
 * database is a real PostgreSQL ({@code postgres} engine). Skips where moto_server is absent.
 */
class AwsModePostgresRefreshIT {

    private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 8);
    private static final String SOURCE = "dbr_aws_" + SUFFIX + "_production";
    private static final String TARGET = "dbr_aws_" + SUFFIX + "_acceptance";

    @TempDir
    static Path home;

    private static MotoStack moto;
    private static ServiceProcesses services;

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(MotoStack.available(), "moto_server is not on the PATH: the AWS-mode end-to-end test needs it");
        new LocalPostgres(new DatabaseEndpoint("127.0.0.1", 5432, "postgres", "postgres", null)).ensurePgbenchSource(SOURCE, 1);
        Path plans = home.resolve("plans.yml");
        Files.writeString(plans, """
                plans:
                  aws-e2e:
                    engine: postgres
                    source: {host: 127.0.0.1, port: 5432, database: %s, username: postgres}
                    target: {host: 127.0.0.1, port: 5432, database: %s, username: postgres}
                    snapshot: {source-store: store/source, target-store: store/target}
                    parameters: {latest: /dbrefresh/aws-e2e/latest, current: /dbrefresh/aws-e2e/current}
                """.formatted(SOURCE, TARGET));
        moto = MotoStack.start(home.resolve("moto.log"));
        services = ServiceProcesses.start(Path.of("..").toAbsolutePath().normalize(), home, plans, moto.serviceEnv(),
                moto.serviceProperties(), Duration.ofSeconds(120));
    }

    @AfterAll
    static void stop() throws Exception {
        if (services != null) {
            services.close();
        }
        if (moto != null) {
            moto.close();
        }
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", "")) {
            c.createStatement().execute("DROP DATABASE IF EXISTS " + SOURCE + " WITH (FORCE)");
            c.createStatement().execute("DROP DATABASE IF EXISTS " + TARGET + " WITH (FORCE)");
        }
    }

    @Test
    void startMessageOnTheTopic_shouldRefreshThroughSnsFanOut_withSsmParametersAndAuditLog() throws Exception {
        String runId = LocalStackRunner.newRunId();
        EventEnvelope start = EventEnvelope.create("e2e", runId, null,
                new RefreshRequested("aws-e2e", null, null, false, "test"), Instant.now());
        moto.publishToTopic(start);

        List<AuditEntry> entries = LocalStackRunner.follow(new DynamoDbAuditLog(moto.dynamo(), "dbrefresh-audit"), runId,
                Duration.ofMinutes(3), System.out);
        JsonNode notification = LocalStackRunner.awaitNotification(moto.sqs(), "dbrefresh-notifications", runId);

        assertThat(notification).as("notification of run %s; logs in %s", runId, services.logDir()).isNotNull();
        assertThat(notification.path("result").asText()).isEqualTo("succeeded");
        assertThat(entries).filteredOn(e -> AuditStatus.SUCCEEDED.id().equals(e.status()))
                .extracting(e -> e.service() + "/" + e.step())
                .containsSubsequence("snapshot-service/dump", "snapshot-service/copy", "snapshot-service/parameter",
                        "cluster-service/promote", "cluster-service/restore", "users-service/verify", "notifier-service/notify");
        String snapshotId = notification.path("snapshotId").asText();
        assertThat(moto.ssm().getParameter(r -> r.name("/dbrefresh/aws-e2e/latest")).parameter().value()).isEqualTo(snapshotId);
        assertThat(moto.ssm().getParameter(r -> r.name("/dbrefresh/aws-e2e/current")).parameter().value()).isEqualTo(snapshotId);
        LocalPostgres pg = new LocalPostgres(new DatabaseEndpoint("127.0.0.1", 5432, "postgres", "postgres", null));
        assertThat(pg.rowCounts(TARGET)).isEqualTo(pg.rowCounts(SOURCE));
    }
}
