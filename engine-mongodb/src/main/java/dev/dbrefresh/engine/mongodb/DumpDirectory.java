package dev.dbrefresh.engine.mongodb;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * One database of a dump directory in mongodump's layout, written by {@link MongoSnapshotter} or by
 * {@code mongodump} (plain or {@code --gzip}): the collections it holds, each with its metadata and data file, and
 * the manifest when there is one. Reading follows mongorestore's rules: a {@code .metadata.json} file defines a
 * collection (a view when it has no data file), a {@code .bson} file without metadata is a collection without
 * options or secondary indexes, {@code system.buckets.<ts>.bson} holds the data of time-series collection
 * {@code <ts>}, and other {@code system.*} and {@code $admin.*} files are not collections of the database.
 *
 * @param root     the dump's root directory
 * @param database the database directory's name
 * @param manifest the manifest, empty for a directory written by mongodump
 * @param entries  the collections, ordered by name
 */
public record DumpDirectory(Path root, String database, Optional<DumpManifest> manifest, List<Collection> entries) {

    /**
     * One collection of the dump.
     *
     * @param name     collection name
     * @param metadata its metadata (an empty one when the dump has no metadata file for it)
     * @param dataFile its {@code .bson[.gz]} file, or {@code null} for a view
     */
    public record Collection(String name, CollectionMetadata metadata, Path dataFile) {
    }

    /**
     * @param root     a dump's root directory
     * @param database the database to read; {@code null} when the dump holds exactly one database directory
     * @return the database's collections
     * @throws DumpFormatException when the directory is missing, ambiguous, or a file is unreadable; when the
     *                             manifest names a collection whose files are missing
     */
    public static DumpDirectory read(Path root, String database) {
        Optional<DumpManifest> manifest = DumpManifest.read(root);
        String db = database != null ? database : manifest.map(DumpManifest::database).orElseGet(() -> onlyDatabase(root));
        if (manifest.isPresent() && !manifest.get().database().equals(db)) {
            throw new DumpFormatException(null, root, "the manifest describes database " + manifest.get().database()
                    + ", not " + db, null);
        }
        Path dir = root.resolve(db);
        if (!Files.isDirectory(dir)) {
            throw new DumpFormatException(null, dir, "no database directory " + db + " in the dump", null);
        }
        Map<String, Path> metadataFiles = new TreeMap<>();
        Map<String, Path> dataFiles = new TreeMap<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                String n = f.getFileName().toString();
                String plain = n.endsWith(DumpLayout.GZIP_SUFFIX) ? n.substring(0, n.length() - 3) : n;
                if (plain.endsWith(DumpLayout.METADATA_SUFFIX)) {
                    put(metadataFiles, plain.substring(0, plain.length() - DumpLayout.METADATA_SUFFIX.length()), f);
                } else if (plain.endsWith(DumpLayout.BSON_SUFFIX)) {
                    put(dataFiles, plain.substring(0, plain.length() - DumpLayout.BSON_SUFFIX.length()), f);
                }
            }
        } catch (IOException e) {
            throw new DumpFormatException(null, dir, "cannot list the dump directory: " + e.getMessage(), e);
        }
        Map<String, Collection> collections = new TreeMap<>();
        for (Map.Entry<String, Path> m : metadataFiles.entrySet()) {
            String fileName = unescape(m.getKey(), m.getValue());
            if (ignored(fileName)) {
                continue;
            }
            CollectionMetadata metadata = CollectionMetadata.read(fileName, m.getValue());
            String dataStem;
            try {
                dataStem = metadata.isTimeseries() ? DumpLayout.escape(DumpLayout.BUCKETS_PREFIX + fileName) : m.getKey();
            } catch (IllegalArgumentException e) {
                throw new DumpFormatException(fileName, m.getValue(), e.getMessage(), e);
            }
            Path data = metadata.isView() ? null : dataFiles.get(dataStem);
            if (!metadata.isView() && data == null) {
                throw new DumpFormatException(metadata.collectionName(), m.getValue(), "metadata without a data file "
                        + dataStem + DumpLayout.BSON_SUFFIX, null);
            }
            collections.put(metadata.collectionName(), new Collection(metadata.collectionName(), metadata, data));
        }
        for (Map.Entry<String, Path> d : dataFiles.entrySet()) {
            String name = unescape(d.getKey(), d.getValue());
            if (!ignored(name) && !metadataFiles.containsKey(d.getKey())) {
                collections.put(name, new Collection(name, new CollectionMetadata(name, null, null, null, null), d.getValue()));
            }
        }
        if (manifest.isPresent()) {
            for (DumpManifest.Entry e : manifest.get().collections()) {
                if (!collections.containsKey(e.name())) {
                    throw new DumpFormatException(e.name(), dir, "the manifest lists the collection, the dump has no "
                            + "files for it", null);
                }
            }
        }
        return new DumpDirectory(root, db, manifest, List.copyOf(collections.values()));
    }

    private static void put(Map<String, Path> map, String stem, Path file) {
        Path earlier = map.put(stem, file);
        if (earlier != null) {
            throw new DumpFormatException(unescape(stem, file), file, "both a plain and a gzipped file: "
                    + earlier.getFileName(), null);
        }
    }

    /** A file name's collection name; a malformed {@code %} escape is a dump format error of that file. */
    private static String unescape(String stem, Path file) {
        try {
            return DumpLayout.unescape(stem);
        } catch (IllegalArgumentException e) {
            throw new DumpFormatException(null, file, e.getMessage() + "; the file is not one mongodump wrote", e);
        }
    }

    private static boolean ignored(String collection) {
        return collection.startsWith("system.") || collection.startsWith("$");
    }

    private static String onlyDatabase(Path root) {
        List<String> dbs = new ArrayList<>();
        try (Stream<Path> s = Files.list(root)) {
            s.filter(Files::isDirectory).forEach(p -> dbs.add(p.getFileName().toString()));
        } catch (IOException e) {
            throw new DumpFormatException(null, root, "cannot list the dump: " + e.getMessage(), e);
        }
        if (dbs.size() != 1) {
            throw new DumpFormatException(null, root, "name the database to restore: the dump holds " + dbs, null);
        }
        return dbs.get(0);
    }
}
