package dev.dbrefresh.engine.mongodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.MongoTimeoutException;
import com.mongodb.client.MongoClient;
import dev.dbrefresh.runtime.plan.DatabaseEndpoint;
import dev.dbrefresh.runtime.plan.MongoSettings;
import dev.dbrefresh.runtime.secrets.SecretResolver;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plan's {@code tls} settings against a real TLS endpoint: mongo-java-server has no TLS, so the test puts a
 * TLS-terminating proxy (a JSSE {@link SSLServerSocket} with a self-signed certificate for {@code localhost} made by
 * the JDK's {@code keytool}) in front of it. The engine's client connects through it with the plan's {@code ca-file},
 * and refuses a certificate that file does not vouch for and a host name the certificate does not name, unless
 * {@code allow-invalid-hostnames} says so. The refusals use a connection string with a short server selection
 * timeout ({@code uri-secret}; its values win over the engine's 10 s).
 */
class MongoTlsTest {

    @TempDir
    Path dir;

    private InProcessMongo mongo;
    private TlsProxy proxy;
    private Path ca;
    private Path otherCa;
    private Path misnamedKeystore;
    private Path misnamedCa;

    @BeforeEach
    void start() throws Exception {
        mongo = new InProcessMongo();
        mongo.db("shop_acceptance").getCollection("c").insertOne(new Document("_id", 1));
        Path keystore = certificate("server", "localhost");
        ca = dir.resolve("server.pem");
        keytool("-exportcert", "-rfc", "-alias", "server", "-keystore", keystore.toString(), "-storepass", "changeit",
                "-file", ca.toString());
        Path other = certificate("other", "localhost");
        otherCa = dir.resolve("other.pem");
        keytool("-exportcert", "-rfc", "-alias", "other", "-keystore", other.toString(), "-storepass", "changeit",
                "-file", otherCa.toString());
        // A certificate the CA file vouches for, but for another host name than the one connected to.
        misnamedKeystore = certificate("misnamed", "db.example.test");
        misnamedCa = dir.resolve("misnamed.pem");
        keytool("-exportcert", "-rfc", "-alias", "misnamed", "-keystore", misnamedKeystore.toString(), "-storepass",
                "changeit", "-file", misnamedCa.toString());
        proxy = new TlsProxy(keystore, (InetSocketAddress) mongo.server.getLocalAddress());
    }

    @AfterEach
    void stop() throws IOException {
        if (proxy != null) {
            proxy.close();
        }
        mongo.close();
    }

    private Path certificate(String alias, String host) throws Exception {
        Path ks = dir.resolve(alias + ".p12");
        keytool("-genkeypair", "-alias", alias, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + host,
                "-ext", "san=dns:" + host, "-validity", "2", "-keystore", ks.toString(), "-storetype", "PKCS12",
                "-storepass", "changeit", "-keypass", "changeit");
        return ks;
    }

    private static void keytool(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("keytool %s: %s", args[0], out).isZero();
    }

    private static long count(MongoClient client) {
        return client.getDatabase("shop_acceptance").getCollection("c").countDocuments();
    }

    private MongoClient open(String host, Path caFile, boolean allowInvalidHostnames, boolean quick) {
        DatabaseEndpoint endpoint = new DatabaseEndpoint(host, proxy.port(), "shop_acceptance", null, null);
        String uri = "mongodb://" + host + ":" + proxy.port() + "/?serverSelectionTimeoutMS=6000&connectTimeoutMS=5000";
        SecretResolver secrets = ref -> uri.toCharArray();
        return MongoEndpoints.open(endpoint, new MongoSettings.Connection(quick ? "env:URI" : null, true, caFile,
                allowInvalidHostnames), secrets);
    }

    @Test
    void open_shouldConnectOverTls_trustingThePlansCaFile() {
        try (MongoClient client = open("localhost", ca, false, false)) {
            assertThat(count(client)).isEqualTo(1);
        }
        assertThat(proxy.handshakes()).isPositive();
    }

    @Test
    void open_shouldRefuse_aCertificateTheCaFileDoesNotVouchFor() {
        try (MongoClient client = open("localhost", otherCa, false, true)) {
            assertThatThrownBy(() -> count(client)).isInstanceOf(MongoTimeoutException.class)
                    .hasMessageContaining("PKIX path");
        }
        assertThat(proxy.forwarded()).isZero();
    }

    @Test
    void open_shouldRefuse_aHostNameTheCertificateDoesNotName_unlessThePlanAllowsIt() throws Exception {
        proxy.close();
        proxy = new TlsProxy(misnamedKeystore, (InetSocketAddress) mongo.server.getLocalAddress());

        try (MongoClient client = open("localhost", misnamedCa, false, true)) {
            assertThatThrownBy(() -> count(client)).isInstanceOf(MongoTimeoutException.class)
                    .hasMessageContaining("No subject alternative DNS name matching localhost");
        }
        assertThat(proxy.forwarded()).isZero();

        try (MongoClient client = open("localhost", misnamedCa, true, true)) {
            assertThat(count(client)).isEqualTo(1);
        }
    }

    /** Accepts TLS connections and forwards their plain bytes to the server, both ways. */
    static final class TlsProxy implements AutoCloseable {
        private final SSLServerSocket socket;
        private final InetSocketAddress server;
        private final List<Socket> open = Collections.synchronizedList(new ArrayList<>());
        private final java.util.concurrent.atomic.AtomicInteger handshakes = new java.util.concurrent.atomic.AtomicInteger();
        private final java.util.concurrent.atomic.AtomicLong forwarded = new java.util.concurrent.atomic.AtomicLong();

        TlsProxy(Path keystore, InetSocketAddress server) throws Exception {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(keystore)) {
                ks.load(in, "changeit".toCharArray());
            }
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, "changeit".toCharArray());
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf.getKeyManagers(), null, null);
            this.server = server;
            this.socket = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 50,
                    java.net.InetAddress.getLoopbackAddress());
            Thread t = new Thread(this::accept, "tls-proxy");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        int handshakes() {
            return handshakes.get();
        }

        /** @return bytes forwarded from clients to the server (none when every handshake failed) */
        long forwarded() {
            return forwarded.get();
        }

        private void accept() {
            while (!socket.isClosed()) {
                try {
                    javax.net.ssl.SSLSocket client = (javax.net.ssl.SSLSocket) socket.accept();
                    open.add(client);
                    Thread t = new Thread(() -> serve(client), "tls-proxy-conn");
                    t.setDaemon(true);
                    t.start();
                } catch (IOException e) {
                    return;
                }
            }
        }

        private void serve(javax.net.ssl.SSLSocket client) {
            try {
                client.startHandshake();
                handshakes.incrementAndGet();
                Socket upstream = new Socket(server.getAddress(), server.getPort());
                open.add(upstream);
                Thread back = new Thread(() -> pump(upstream, client, null), "tls-proxy-back");
                back.setDaemon(true);
                back.start();
                pump(client, upstream, forwarded);
            } catch (IOException e) {
                close(client);
            }
        }

        private static void pump(Socket from, Socket to, java.util.concurrent.atomic.AtomicLong counter) {
            byte[] buf = new byte[1 << 16];
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                int n;
                while ((n = in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                    out.flush();
                    if (counter != null) {
                        counter.addAndGet(n);
                    }
                }
            } catch (IOException e) {
                // one side closed: close both below
            } finally {
                close(from);
                close(to);
            }
        }

        private static void close(Socket s) {
            try {
                s.close();
            } catch (IOException ignored) {
                // already closed
            }
        }

        @Override
        public void close() throws IOException {
            socket.close();
            synchronized (open) {
                open.forEach(TlsProxy::close);
            }
        }
    }
}
