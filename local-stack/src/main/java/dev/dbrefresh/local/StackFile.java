package dev.dbrefresh.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * {@code <home>/stack.endpoint}: the endpoints of a local stack that is running now (DynamoDB, SQS,
 * and the pid of the process that runs it), so that {@code start}, {@code status} and {@code runs}
 * talk to the live stack instead of opening DynamoDB Local's files a second time.
 */
final class StackFile {

    /**
     * The endpoints of a running stack.
     *
     * @param dynamoEndpoint DynamoDB Local endpoint
     * @param sqsEndpoint    ElasticMQ endpoint
     */
    record Endpoints(String dynamoEndpoint, String sqsEndpoint) {
    }

    private StackFile() {
    }

    static void write(Path home, String dynamoEndpoint, String sqsEndpoint) throws IOException {
        Files.writeString(home.resolve("stack.endpoint"), dynamoEndpoint + "\n" + ProcessHandle.current().pid() + "\n"
                + sqsEndpoint + "\n");
    }

    static void delete(Path home) {
        try {
            Files.deleteIfExists(home.resolve("stack.endpoint"));
        } catch (IOException ignored) {
            // a stale file is detected by its pid
        }
    }

    /** @return the endpoints of a running stack whose process is alive */
    static Optional<Endpoints> live(Path home) {
        try {
            List<String> lines = Files.readAllLines(home.resolve("stack.endpoint"));
            long pid = Long.parseLong(lines.get(1).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .map(p -> new Endpoints(lines.get(0).trim(), lines.size() > 2 ? lines.get(2).trim() : null));
        } catch (IOException | RuntimeException none) {
            return Optional.empty();
        }
    }
}
