package dev.dbrefresh.engine.postgres;

import dev.dbrefresh.contracts.ErrorCode;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.runtime.plan.PlanIdentities;
import dev.dbrefresh.runtime.plan.RefreshGuard;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dbrefresh.engine.postgres.testing.SecondPostgres;
import dev.dbrefresh.engine.postgres.testing.TestDatabases;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link PostgresIdentity} and the identity guard against real servers: the machine's PostgreSQL at
 * 127.0.0.1:5432, reached by other names and through a second port (a TCP forwarder, as a second
 * listener or a proxy of the same cluster would look to a client), and a second cluster started by the
 * test (another system identifier).
 */
class PostgresIdentityTest {

    private static final PostgresIdentity IDENTITIES = TestDatabases.IDENTITIES;

    private static TestDatabases dbs;
    private static String production;
    private static Forwarder secondPort;

    @BeforeAll
    static void start() throws Exception {
        dbs = new TestDatabases("ids");
        production = dbs.createWithMarker("production", 1);
        secondPort = new Forwarder(5432);
    }

    @AfterAll
    static void stop() throws Exception {
        if (secondPort != null) {
            secondPort.close();
        }
        if (dbs != null) {
            dbs.close();
        }
    }

    @Test
    void guard_shouldRefuse_whenTheTargetIsTheSourceUnderAnotherHostName() {
        RefreshPlan plan = plan("localhost", 5432, production);

        assertThat(RefreshGuard.check(plan)).as("by name the plan looks safe").isEmpty();
        assertThat(RefreshGuard.check(plan, IDENTITIES.of(plan))).hasValueSatisfying(v -> {
            assertThat(v.errorCode()).isEqualTo(ErrorCode.GUARD_TARGET_IS_SOURCE);
            assertThat(v.message()).contains(TestDatabases.leaseKey(production));
        });
    }

    @Test
    void guard_shouldRefuse_whenTheTargetIsTheSourceThroughAnotherPort() {
        RefreshPlan plan = plan("127.0.0.1", secondPort.port(), production);

        assertThat(RefreshGuard.check(plan)).isEmpty();
        assertThat(RefreshGuard.check(plan, IDENTITIES.of(plan))).hasValueSatisfying(v ->
                assertThat(v.errorCode()).isEqualTo(ErrorCode.GUARD_TARGET_IS_SOURCE));
    }

    @Test
    void identities_shouldGiveOneLeaseKey_forEveryNameOfOneTarget() throws Exception {
        String acceptance = dbs.name("acceptance");
        String viaLocalhost = IDENTITIES.postgres(new DatabaseEndpoint("localhost", 5432, acceptance, "postgres", null)).key();
        String viaPort = IDENTITIES.postgres(new DatabaseEndpoint("127.0.0.1", secondPort.port(), acceptance, "postgres",
                null)).key();

        assertThat(viaLocalhost).isEqualTo(viaPort).isEqualTo(TestDatabases.leaseKey(acceptance))
                .matches("postgres://[0-9]+/" + acceptance);
    }

    @Test
    void identities_shouldRecordTheDatabaseOid_whereTheDatabaseExists() throws Exception {
        long oid = dbs.queryLong("postgres", "SELECT oid::bigint FROM pg_database WHERE datname = '" + production + "'");

        assertThat(IDENTITIES.postgres(TestDatabases.ADMIN.withDatabase(production)).databaseOid()).isEqualTo(oid);
        assertThat(IDENTITIES.postgres(TestDatabases.ADMIN.withDatabase(dbs.name("not_created"))).databaseOid()).isNull();
    }

    @Test
    void guard_shouldAllow_aDatabaseOfTheSameNameOnAnotherServer() throws Exception {
        assumeThat(SecondPostgres.available()).as("PostgreSQL server binaries in " + SecondPostgres.BIN).isTrue();
        try (SecondPostgres other = SecondPostgres.start()) {
            RefreshPlan plan = plan("127.0.0.1", other.port(), production);
            PlanIdentities.Identities ids = IDENTITIES.of(plan);

            assertThat(ids.target().key()).isNotEqualTo(ids.source().key()).endsWith("/" + production);
            assertThat(RefreshGuard.check(plan, ids)).isEmpty();
        }
    }

    private static RefreshPlan plan(String targetHost, int targetPort, String targetDatabase) {
        try {
            return PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree("""
                    plans:
                      p:
                        source: {host: 127.0.0.1, port: 5432, database: %s}
                        target: {host: %s, port: %d, database: %s}
                    """.formatted(production, targetHost, targetPort, targetDatabase)), Path.of("/tmp")).require("p");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Forwards every connection to its port on to 127.0.0.1:{@code targetPort}. */
    private static final class Forwarder implements AutoCloseable {

        private final ServerSocket server;

        Forwarder(int targetPort) throws IOException {
            server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread accept = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket client = server.accept();
                        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                        pipe(client.getInputStream(), upstream.getOutputStream(), upstream);
                        pipe(upstream.getInputStream(), client.getOutputStream(), client);
                    } catch (IOException closed) {
                        return;
                    }
                }
            }, "forwarder");
            accept.setDaemon(true);
            accept.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private static void pipe(InputStream in, OutputStream out, Socket closeWhenDone) {
            Thread t = new Thread(() -> {
                try (closeWhenDone) {
                    in.transferTo(out);
                } catch (IOException ignored) {
                    // the other side closed
                }
            }, "forwarder-pipe");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
