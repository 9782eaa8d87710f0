package dev.dbrefresh.engine.mongodb;

import java.nio.file.Path;

/**
 * A snapshot, restore or verification of the mongodb engine failed. Carries the collection and, where a file of
 * the dump is at fault, the file, so the failure event and the audit entry can name both.
 */
public class MongoEngineException extends RuntimeException {

    /** The collection concerned, or {@code null}. */
    private final String collection;
    /** The dump file concerned, or {@code null}; not serialized ({@link Path} is not serializable). */
    private final transient Path file;

    /**
     * @param collection the collection concerned, or {@code null} when the failure is not about one collection
     * @param file       the dump file concerned, or {@code null}
     * @param message    what went wrong; the collection and file are prefixed to it
     * @param cause      the underlying failure, or {@code null}
     */
    public MongoEngineException(String collection, Path file, String message, Throwable cause) {
        super(prefix(collection, file) + message, cause);
        this.collection = collection;
        this.file = file;
    }

    private static String prefix(String collection, Path file) {
        StringBuilder b = new StringBuilder();
        if (collection != null) {
            b.append("collection ").append(collection).append(": ");
        }
        if (file != null) {
            b.append("file ").append(file).append(": ");
        }
        return b.toString();
    }

    /** @return the collection concerned, or {@code null} */
    public String collection() {
        return collection;
    }

    /** @return the dump file concerned, or {@code null} */
    public Path file() {
        return file;
    }
}
