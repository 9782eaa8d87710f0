package dev.dbrefresh.local;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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

    /** Another local stack runs on the same home; the message says which and what to do. */
    static final class AlreadyRunning extends IllegalStateException {
        AlreadyRunning(String message) {
            super(message);
        }
    }

    private StackFile() {
    }

    /**
     * Takes {@code <home>/stack.lock} (it holds this process's pid) for as long as this stack runs:
     * one stack per home, since two would share DynamoDB Local's files and the stack file. The
     * operating system releases the lock when this process ends, however it ends.
     *
     * @param home dbrefresh home
     * @return the lock; closing it releases it
     * @throws IOException           when the lock file cannot be opened
     * @throws AlreadyRunning when another stack runs on this home (the message names its pid and
     *                        what to do)
     */
    static Closeable lock(Path home) throws IOException {
        FileChannel channel = FileChannel.open(home.resolve("stack.lock"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException sameProcess) {
            lock = null;
        }
        if (lock == null) {
            channel.close();
            Optional<Long> pid = pidOf(home);
            throw new AlreadyRunning("a local stack is already running for " + home.toAbsolutePath()
                    + pid.map(p -> " (pid " + p + ")").orElse("") + "; stop it first (Ctrl-C in its terminal, or kill "
                    + pid.map(String::valueOf).orElse("its pid") + ") or give this one its own home with --home DIR");
        }
        // the holder's pid, for the message above when the next one is refused
        channel.truncate(0).write(java.nio.ByteBuffer.wrap((ProcessHandle.current().pid() + "\n")
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        return channel::close;
    }

    private static Optional<Long> pidOf(Path home) {
        try {
            return Optional.of(Long.parseLong(Files.readString(home.resolve("stack.lock")).trim()));
        } catch (IOException | RuntimeException none) {
            return Optional.empty();
        }
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
