package dev.dbrefresh.engine.mongodb;

import java.nio.file.Path;

/**
 * A dump file cannot be read: a truncated {@code .bson} file, a document length outside BSON's bounds (more than
 * {@link BsonFileReader#MAX_DOCUMENT_BYTES}), unreadable metadata, or a collection whose documents do not match
 * the manifest's count and checksum. Thrown before anything of that collection reaches the target's collections.
 */
public class DumpFormatException extends MongoEngineException {

    /**
     * @param collection the collection whose file is at fault
     * @param file       the file at fault
     * @param message    what is wrong, with the byte offset where known
     * @param cause      the underlying failure, or {@code null}
     */
    public DumpFormatException(String collection, Path file, String message, Throwable cause) {
        super(collection, file, message, cause);
    }
}
