package dev.dbrefresh.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * {@code <home>/stack.endpoint}: the DynamoDB endpoint of a local stack that is running now, so that
 * {@code status} and {@code runs} read the live audit log instead of opening DynamoDB Local's files a
 * second time.
 */
final class StackFile {

    private StackFile() {
    }

    static void write(Path home, String dynamoEndpoint) throws IOException {
        Files.writeString(home.resolve("stack.endpoint"), dynamoEndpoint + "\n" + ProcessHandle.current().pid() + "\n");
    }

    static void delete(Path home) {
        try {
            Files.deleteIfExists(home.resolve("stack.endpoint"));
        } catch (IOException ignored) {
            // a stale file is detected by its pid
        }
    }

    /** @return the endpoint of a running stack whose process is alive */
    static Optional<String> liveEndpoint(Path home) {
        try {
            var lines = Files.readAllLines(home.resolve("stack.endpoint"));
            long pid = Long.parseLong(lines.get(1).trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(p -> lines.get(0).trim());
        } catch (IOException | RuntimeException none) {
            return Optional.empty();
        }
    }
}
