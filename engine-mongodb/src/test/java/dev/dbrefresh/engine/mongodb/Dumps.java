package dev.dbrefresh.engine.mongodb;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.bson.BsonDocument;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;

/** Writing dump files the way mongodump does, for fixtures of foreign dumps. */
final class Dumps {

    private Dumps() {
    }

    /** Writes documents back to back as raw BSON; a {@code .gz} name gzips the whole file. */
    static DocumentDigest writeBson(Path file, List<BsonDocument> documents) {
        DocumentDigest digest = new DocumentDigest();
        try (OutputStream out = DumpLayout.create(file)) {
            for (BsonDocument d : documents) {
                RawBsonDocument raw = new RawBsonDocument(d, new BsonDocumentCodec());
                digest.add(raw);
                ByteBuffer b = raw.getByteBuffer().asNIO();
                out.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return digest;
    }

    /** Copies a directory of the test resources (e.g. {@code mongodump/shop}) to {@code to}. */
    static Path copyResource(String resource, Path to) {
        try {
            Path from = Path.of(Dumps.class.getResource("/" + resource).toURI());
            Files.createDirectories(to);
            try (Stream<Path> files = Files.list(from)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Files.copy(f, to.resolve(f.getFileName().toString()));
                }
            }
            return to;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
