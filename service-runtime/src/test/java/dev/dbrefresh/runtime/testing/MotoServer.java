package dev.dbrefresh.runtime.testing;

import java.io.File;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.client.builder.AwsSyncClientBuilder;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * A {@code moto_server} process on a free port of 127.0.0.1, one per test class, and SDK clients pointed
 * at it (dummy credentials, region {@value #REGION}). moto's own account is {@value #ACCOUNT}. Tests
 * that need it are skipped, with the reason, where {@code moto_server} is not on the PATH.
 */
public final class MotoServer implements AutoCloseable {

    /** The region every client built by {@link #client} uses. */
    public static final String REGION = "us-east-1";
    /** The account id moto puts into the ARNs it returns. */
    public static final String ACCOUNT = "123456789012";

    private static final String DEFAULT_SKIP_REASON = "moto_server is not on the PATH; the AWS emulator tests are skipped";
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(60);

    private final Process process;
    private final String endpoint;
    private final List<SdkAutoCloseable> clients = new CopyOnWriteArrayList<>();

    private MotoServer(Process process, String endpoint) {
        this.process = process;
        this.endpoint = endpoint;
    }

    /**
     * Starts moto, or aborts the calling test class (JUnit assumption) when moto_server is not installed.
     *
     * @return the running server
     * @throws Exception when moto exits or does not answer within 60 s
     */
    public static MotoServer startOrSkip() throws Exception {
        return startOrSkip(DEFAULT_SKIP_REASON);
    }

    /**
     * Starts moto, or aborts the calling test class (JUnit assumption) when moto_server is not installed.
     *
     * @param skipReason the reason reported for the skipped tests
     * @return the running server
     * @throws Exception when moto exits or does not answer within 60 s
     */
    public static MotoServer startOrSkip(String skipReason) throws Exception {
        Optional<Path> executable = executable();
        Assumptions.assumeTrue(executable.isPresent(), skipReason);
        return start(executable.get());
    }

    private static MotoServer start(Path executable) throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path log = Files.createTempFile("moto-", ".log");
        Process p = new ProcessBuilder(executable.toString(), "-H", "127.0.0.1", "-p", Integer.toString(port))
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        String endpoint = "http://127.0.0.1:" + port;
        Instant deadline = Instant.now().plus(STARTUP_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (!p.isAlive()) {
                throw new IllegalStateException("moto_server exited: " + Files.readString(log));
            }
            try {
                HttpURLConnection c = (HttpURLConnection) URI.create(endpoint + "/moto-api/").toURL().openConnection();
                c.setConnectTimeout(500);
                c.setReadTimeout(2000);
                if (c.getResponseCode() > 0) {
                    return new MotoServer(p, endpoint);
                }
            } catch (IOException notYet) {
                Thread.sleep(200);
            }
        }
        p.destroyForcibly();
        throw new IllegalStateException("moto_server did not answer on " + endpoint + " within 60 s");
    }

    /** @return the endpoint URL, e.g. {@code http://127.0.0.1:5123} */
    public String endpoint() {
        return endpoint;
    }

    /**
     * Builds a client pointed at moto, e.g. {@code moto.client(RdsClient.builder())}. The client is closed
     * with this server.
     *
     * @param builder a fresh SDK client builder
     * @return the built client
     */
    public <B extends AwsClientBuilder<B, C>, C extends SdkAutoCloseable> C client(B builder) {
        builder.region(Region.of(REGION)).endpointOverride(URI.create(endpoint))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("testing", "testing")));
        // Sync clients use the URL-connection client the services ship with, not whatever else is on the classpath.
        if (builder instanceof AwsSyncClientBuilder<?, ?> sync) {
            sync.httpClientBuilder(UrlConnectionHttpClient.builder());
        }
        C client = builder.build();
        clients.add(client);
        return client;
    }

    @Override
    public void close() throws InterruptedException {
        clients.forEach(SdkAutoCloseable::close);
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }

    private static Optional<Path> executable() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, "moto_server");
            if (Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }
}
