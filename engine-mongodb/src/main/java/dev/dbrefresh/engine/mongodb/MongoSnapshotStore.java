package dev.dbrefresh.engine.mongodb;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import dev.dbrefresh.engine.postgres.store.SnapshotStore;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * A directory of {@code mongodb} snapshots, one dump root per snapshot id:
 * <pre>
 * &lt;root&gt;/&lt;snapshotId&gt;/&lt;database&gt;/...             a dump in mongodump's layout ({@link DumpLayout})
 * &lt;root&gt;/&lt;snapshotId&gt;/dbrefresh-manifest.json     its {@link DumpManifest}
 * &lt;root&gt;/.staging-&lt;snapshotId&gt;-&lt;random&gt;/        work in progress, never listed
 * </pre>
 * A snapshot directory is published with one atomic rename once complete, so a reader sees no snapshot or a whole
 * one, and {@code mongorestore --dir <root>/<snapshotId>} restores it. Ids match {@value #ID_REGEX} (no path
 * separators, no leading dot). I/O failures are thrown as {@link UncheckedIOException}.
 */
public final class MongoSnapshotStore {

    /** Allowed snapshot ids: a letter or digit, then up to 200 of {@code A-Za-z0-9._-}. */
    public static final String ID_REGEX = SnapshotStore.ID_REGEX;
    private static final String STAGING_PREFIX = ".staging-";

    private final Path root;

    /**
     * One snapshot of the store.
     *
     * @param id       its id
     * @param dir      its dump root
     * @param manifest its manifest
     */
    public record Snapshot(String id, Path dir, DumpManifest manifest) {
    }

    /**
     * What {@link #copyFrom} did.
     *
     * @param snapshot  the copy
     * @param copied    whether this call made it (false: it existed and its files were checked)
     * @param sizeBytes bytes of the copy's files on disk
     * @param checksum  {@code sha256:<hex>} of the copy's manifest file, which holds every collection's checksum
     */
    public record Copy(Snapshot snapshot, boolean copied, long sizeBytes, String checksum) {
    }

    /**
     * @param root the store's directory; created (with parents) when missing
     * @throws UncheckedIOException when it cannot be created
     */
    public MongoSnapshotStore(Path root) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
        try {
            Files.createDirectories(this.root);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create snapshot store directory " + this.root, e);
        }
    }

    /** @return the store's absolute directory */
    public Path root() {
        return root;
    }

    /**
     * @param id a candidate snapshot id
     * @return whether it matches {@value #ID_REGEX}
     */
    public static boolean validId(String id) {
        return id != null && id.matches(ID_REGEX);
    }

    /**
     * @param id a snapshot id (an invalid one gives empty)
     * @return the complete snapshot with that id, or empty
     * @throws DumpFormatException when its manifest is unreadable
     */
    public Optional<Snapshot> find(String id) {
        if (!validId(id) || !Files.isDirectory(root.resolve(id))) {
            return Optional.empty();
        }
        return DumpManifest.read(root.resolve(id)).map(m -> new Snapshot(id, root.resolve(id), m));
    }

    /**
     * @return every complete snapshot with a readable manifest, by id
     * @throws UncheckedIOException when the directory cannot be listed
     */
    public List<Snapshot> list() {
        try (Stream<Path> dirs = Files.list(root)) {
            List<Snapshot> out = new ArrayList<>();
            for (String id : dirs.map(d -> d.getFileName().toString()).filter(MongoSnapshotStore::validId).sorted()
                    .toList()) {
                try {
                    find(id).ifPresent(out::add);
                } catch (DumpFormatException e) {
                    // not a readable dbrefresh snapshot: never picked
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list snapshot store " + root, e);
        }
    }

    /**
     * Writes a snapshot into a staging directory and publishes it under its id.
     *
     * @param id     the new snapshot's id
     * @param writer writes the dump (and its manifest) into the directory it is given, returns the manifest
     * @return the published snapshot
     * @throws IllegalArgumentException when the id is invalid
     * @throws IllegalStateException    when a snapshot with that id exists (the new one is discarded)
     */
    public Snapshot create(String id, Function<Path, DumpManifest> writer) {
        requireValid(id);
        Path staging = staging(id);
        try {
            DumpManifest manifest = writer.apply(staging);
            publish(staging, id);
            return new Snapshot(id, root.resolve(id), manifest);
        } finally {
            deleteQuietly(staging);
        }
    }

    /**
     * Copies a snapshot from another store: files into a staging directory, every data file read and checked
     * against the manifest ({@link MongoRestorer#checkFiles}), then published. A copy that exists already is
     * checked the same way and kept.
     *
     * @param source the store holding the snapshot
     * @param id     the snapshot's id
     * @return the copy
     * @throws IllegalArgumentException when the source store has no such snapshot
     * @throws DumpFormatException      when a file of the snapshot does not match its manifest (nothing published)
     */
    public Copy copyFrom(MongoSnapshotStore source, String id) {
        Optional<Snapshot> existing = find(id);
        if (existing.isPresent()) {
            MongoRestorer.checkFiles(DumpDirectory.read(existing.get().dir(), existing.get().manifest().database()));
            return new Copy(existing.get(), false, size(existing.get().dir()), checksum(existing.get().dir()));
        }
        Snapshot from = source.find(id).orElseThrow(() -> new IllegalArgumentException("snapshot " + id
                + " is not in " + source.root()));
        Path staging = staging(id);
        try {
            copyTree(from.dir(), staging);
            MongoRestorer.checkFiles(DumpDirectory.read(staging, from.manifest().database()));
            publish(staging, id);
        } finally {
            deleteQuietly(staging);
        }
        Path dir = root.resolve(id);
        return new Copy(new Snapshot(id, dir, from.manifest()), true, size(dir), checksum(dir));
    }

    private static void requireValid(String id) {
        if (!validId(id)) {
            throw new IllegalArgumentException("invalid snapshot id '" + id + "': it must match " + ID_REGEX);
        }
    }

    private Path staging(String id) {
        requireValid(id);
        return root.resolve(STAGING_PREFIX + id + "-" + UUID.randomUUID());
    }

    private void publish(Path staging, String id) {
        try {
            Files.move(staging, root.resolve(id), StandardCopyOption.ATOMIC_MOVE);
        } catch (java.nio.file.FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException e) {
            throw new IllegalStateException("snapshot " + id + " exists in " + root + " already; the new one was"
                    + " discarded", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot publish snapshot " + id + " in " + root, e);
        }
    }

    private static void copyTree(Path from, Path to) {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path dest = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(dest);
                } else {
                    Files.copy(f, dest, StandardCopyOption.COPY_ATTRIBUTES);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy " + from + " to " + to, e);
        }
    }

    private static long size(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot measure " + dir, e);
        }
    }

    private static String checksum(Path dir) {
        return SnapshotStore.sha256(dir.resolve(DumpLayout.MANIFEST_FILE));
    }

    private static void deleteQuietly(Path dir) {
        try {
            SnapshotStore.deleteTree(dir);
        } catch (UncheckedIOException e) {
            // a leftover staging directory is never listed; the next run ignores it
        }
    }

    /** @return the snapshots ordered by their manifests' {@code createdAt}, newest last */
    static Comparator<Snapshot> byCreation() {
        return Comparator.comparing((Snapshot s) -> s.manifest().createdAt()).thenComparing(Snapshot::id);
    }
}
