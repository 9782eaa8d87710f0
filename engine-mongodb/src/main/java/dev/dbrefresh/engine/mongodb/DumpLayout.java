package dev.dbrefresh.engine.mongodb;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * File names of mongodump's directory layout, as mongodump 100.x writes them and mongorestore reads them
 * (https://www.mongodb.com/docs/database-tools/mongodump/, "Output"; mongo-tools {@code mongodump/prepare.go}):
 * <pre>
 * &lt;root&gt;/&lt;db&gt;/&lt;collection&gt;.bson[.gz]              concatenated BSON documents
 * &lt;root&gt;/&lt;db&gt;/&lt;collection&gt;.metadata.json[.gz]     extended JSON: options, indexes, uuid, collectionName, type
 * &lt;root&gt;/&lt;db&gt;/system.buckets.&lt;ts&gt;.bson[.gz]       the buckets of a time-series collection &lt;ts&gt;
 * &lt;root&gt;/dbrefresh-manifest.json                 ours (mongorestore ignores files beside the db directories)
 * </pre>
 * A view has a metadata file and no {@code .bson} file. With {@code --gzip} each file is gzipped whole and gets
 * the suffix {@code .gz}. Collection names are escaped as Go's {@code url.PathEscape} does
 * ({@code util.EscapeCollectionName} in mongo-tools): bytes other than {@code A-Za-z0-9-_.~$&+,:;=@} become
 * {@code %XX}. Names whose escaped form exceeds 238 bytes are shortened with a hash by mongodump; this engine
 * refuses to write such names and reads them back through the metadata's {@code collectionName}.
 */
public final class DumpLayout {

    /** The manifest's file name, in the dump's root directory beside the database directories. */
    public static final String MANIFEST_FILE = "dbrefresh-manifest.json";
    /** Suffix of a collection's data file. */
    public static final String BSON_SUFFIX = ".bson";
    /** Suffix of a collection's metadata file. */
    public static final String METADATA_SUFFIX = ".metadata.json";
    /** Suffix mongodump {@code --gzip} appends to every file. */
    public static final String GZIP_SUFFIX = ".gz";
    /** Prefix of the collection that holds a time-series collection's buckets. */
    public static final String BUCKETS_PREFIX = "system.buckets.";

    private static final int MAX_ESCAPED_NAME_BYTES = 238;
    private static final String UNESCAPED = "-_.~$&+,:;=@";

    private DumpLayout() {
    }

    /**
     * @param collection a collection name
     * @return the name as it appears in file names (Go {@code url.PathEscape})
     * @throws IllegalArgumentException when the escaped name is longer than 238 bytes (mongodump would shorten it
     *                                  with a hash, which this engine does not write)
     */
    public static String escape(String collection) {
        StringBuilder b = new StringBuilder();
        for (byte x : collection.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || UNESCAPED.indexOf(c) >= 0) {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        if (b.length() > MAX_ESCAPED_NAME_BYTES) {
            throw new IllegalArgumentException("collection name too long for a dump file name (escaped "
                    + b.length() + " > " + MAX_ESCAPED_NAME_BYTES + " bytes): " + collection);
        }
        return b.toString();
    }

    /**
     * @param fileStem a file name without suffix, as written by {@link #escape}
     * @return the collection name
     * @throws IllegalArgumentException on a malformed {@code %} escape
     */
    public static String unescape(String fileStem) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < fileStem.length(); i++) {
            char c = fileStem.charAt(i);
            if (c == '%') {
                int high = i + 2 < fileStem.length() ? Character.digit(fileStem.charAt(i + 1), 16) : -1;
                int low = high < 0 ? -1 : Character.digit(fileStem.charAt(i + 2), 16);
                if (low < 0) {
                    throw new IllegalArgumentException("malformed escape in file name '" + fileStem + "' at index " + i
                            + ": % must be followed by two hex digits (Go url.PathEscape)");
                }
                out.write(high << 4 | low);
                i += 2;
            } else {
                byte[] bytes = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(bytes, 0, bytes.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Deepest nesting of documents and arrays read from a dump's JSON files (the server allows 100 for BSON). */
    public static final int MAX_JSON_DEPTH = 200;

    /**
     * Checks the nesting depth of a JSON text before the BSON library's recursive parser reads it (a foreign dump's
     * file nested a million levels deep would overflow its stack).
     *
     * @param json JSON text
     * @throws IllegalArgumentException when objects and arrays nest deeper than {@link #MAX_JSON_DEPTH}
     */
    public static void requireShallow(String json) {
        int depth = 0;
        boolean inString = false;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            if (inString) {
                if (c == '\\') {
                    i++;
                } else if (c == '"') {
                    inString = false;
                }
            } else if (c == '"') {
                inString = true;
            } else if (c == '{' || c == '[') {
                if (++depth > MAX_JSON_DEPTH) {
                    throw new IllegalArgumentException("JSON nested deeper than " + MAX_JSON_DEPTH + " levels (at"
                            + " character " + i + ")");
                }
            } else if (c == '}' || c == ']') {
                depth--;
            }
        }
    }

    /**
     * @param dbDir      the database directory
     * @param collection collection name (a time-series collection's data goes to its buckets' name)
     * @param gzip       whether the dump is gzipped
     * @return the data file
     */
    public static Path bsonFile(Path dbDir, String collection, boolean gzip) {
        return dbDir.resolve(escape(collection) + BSON_SUFFIX + (gzip ? GZIP_SUFFIX : ""));
    }

    /**
     * @param dbDir      the database directory
     * @param collection collection name
     * @param gzip       whether the dump is gzipped
     * @return the metadata file
     */
    public static Path metadataFile(Path dbDir, String collection, boolean gzip) {
        return dbDir.resolve(escape(collection) + METADATA_SUFFIX + (gzip ? GZIP_SUFFIX : ""));
    }

    /**
     * @param file a dump file
     * @return a stream of its content, gunzipped when the name ends with {@code .gz}
     * @throws IOException when the file cannot be opened or its gzip header is bad
     */
    public static InputStream open(Path file) throws IOException {
        InputStream in = Files.newInputStream(file);
        try {
            return file.getFileName().toString().endsWith(GZIP_SUFFIX) ? new GZIPInputStream(in, 1 << 16) : in;
        } catch (IOException e) {
            in.close();
            throw e;
        }
    }

    /**
     * @param file a dump file to create or overwrite
     * @return a stream into it, gzipping when the name ends with {@code .gz}
     * @throws IOException when the file cannot be created
     */
    public static OutputStream create(Path file) throws IOException {
        OutputStream out = Files.newOutputStream(file);
        return file.getFileName().toString().endsWith(GZIP_SUFFIX) ? new GZIPOutputStream(out, 1 << 16) : out;
    }
}
