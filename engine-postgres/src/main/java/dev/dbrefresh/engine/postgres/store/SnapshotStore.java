package dev.dbrefresh.engine.postgres.store;

import dev.dbrefresh.contracts.EventCodec;
import dev.dbrefresh.contracts.SnapshotManifest;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A directory of snapshots taken by self-managed engines, one subdirectory per snapshot id:
 * <pre>
 * &lt;root&gt;/
 *   &lt;snapshotId&gt;/
 *     dump.pgdump        (the dump file, name from {@link SnapshotManifest#file()})
 *     manifest.json      ({@link SnapshotManifest} as JSON, written by {@link EventCodec#toJson(Object)})
 *   .staging-&lt;snapshotId&gt;-&lt;random&gt;/   (work in progress; never visible as a snapshot)
 * </pre>
 *
 * <p>A snapshot is complete when its directory exists: it is built in a staging directory inside the
 * root and published with one atomic rename ({@code rename(2)} on the same file system), so readers see
 * either no snapshot or a complete one, and two writers of the same id cannot mix their files (the
 * second rename fails and the first snapshot is kept).
 *
 * <p>Snapshot ids must match {@value #ID_REGEX}, so an id can never name a path outside the root
 * (no {@code /}, no leading {@code .}). I/O failures are thrown as {@link UncheckedIOException}.
 * Instances are thread-safe; several processes may share a root on a local or POSIX file system.
 */
public final class SnapshotStore {

    /** Allowed snapshot ids (and dump file names): a letter or digit, then up to 200 of {@code A-Za-z0-9._-}. */
    public static final String ID_REGEX = "[A-Za-z0-9][A-Za-z0-9._-]{0,200}";

    /** File name of the manifest inside a snapshot directory. */
    public static final String MANIFEST_FILE = "manifest.json";

    /** Prefix of staging directory names; such directories are never listed as snapshots. */
    public static final String STAGING_PREFIX = ".staging-";

    private static final Pattern ID = Pattern.compile(ID_REGEX);
    private static final int BUFFER_BYTES = 1 << 20;

    private final Path root;

    /**
     * @param root the store's directory; created (with parents) when missing
     * @throws UncheckedIOException when it cannot be created
     */
    public SnapshotStore(Path root) {
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
     * @param snapshotId a snapshot id
     * @return the id unchanged
     * @throws IllegalArgumentException when it does not match {@value #ID_REGEX}
     */
    public static String requireValidId(String snapshotId) {
        if (snapshotId == null || !ID.matcher(snapshotId).matches()) {
            throw new IllegalArgumentException("invalid snapshot id '" + snapshotId + "': it must match " + ID_REGEX
                    + " (letters, digits, '.', '_', '-'; starting with a letter or digit; at most 201 characters)");
        }
        return snapshotId;
    }

    /**
     * @param snapshotId a snapshot id
     * @return the manifest of the complete snapshot with that id, or empty when there is none
     * @throws IllegalArgumentException when the id is invalid
     * @throws IllegalStateException    when the manifest is unreadable JSON or names another id
     */
    public Optional<SnapshotManifest> find(String snapshotId) {
        requireValidId(snapshotId);
        Path manifest = root.resolve(snapshotId).resolve(MANIFEST_FILE);
        if (!Files.isRegularFile(manifest)) {
            return Optional.empty();
        }
        return Optional.of(readManifest(manifest, snapshotId));
    }

    /**
     * @return the complete snapshot with the latest {@link SnapshotManifest#createdAt()} (ties: greatest
     *         id), or empty when the store holds none
     * @throws IllegalStateException when a manifest is unreadable
     */
    public Optional<SnapshotManifest> newest() {
        List<SnapshotManifest> all = new ArrayList<>();
        try (Stream<Path> children = Files.list(root)) {
            for (Path dir : (Iterable<Path>) children::iterator) {
                String name = dir.getFileName().toString();
                Path manifest = dir.resolve(MANIFEST_FILE);
                if (ID.matcher(name).matches() && Files.isRegularFile(manifest)) {
                    all.add(readManifest(manifest, name));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list snapshot store " + root, e);
        }
        return all.stream().max(Comparator.comparing(SnapshotManifest::createdAt)
                .thenComparing(SnapshotManifest::snapshotId));
    }

    /**
     * @param m a manifest of this store
     * @return {@code <root>/<snapshotId>/<file>}; not checked for existence
     * @throws IllegalArgumentException when the id or file name is invalid
     */
    public Path dumpFile(SnapshotManifest m) {
        Objects.requireNonNull(m, "manifest");
        return root.resolve(requireValidId(m.snapshotId())).resolve(requireValidFileName(m.file()));
    }

    /**
     * Creates an empty staging directory for building a snapshot; publish it with
     * {@link #commit(Path, SnapshotManifest)} or remove it with {@link #discardStaging(Path)}.
     *
     * @param snapshotId the id the snapshot will get
     * @return a new directory {@code <root>/.staging-<snapshotId>-<random>}
     * @throws IllegalArgumentException when the id is invalid
     */
    public Path newStagingDir(String snapshotId) {
        requireValidId(snapshotId);
        try {
            return Files.createTempDirectory(root, STAGING_PREFIX + snapshotId + "-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a staging directory in " + root, e);
        }
    }

    /**
     * Deletes a staging directory and everything in it; does nothing when it does not exist.
     *
     * @param stagingDir a directory returned by {@link #newStagingDir(String)}
     * @throws IllegalArgumentException when it is not a staging directory of this store
     */
    public void discardStaging(Path stagingDir) {
        deleteTree(requireStaging(stagingDir));
    }

    /**
     * Publishes a staging directory as snapshot {@code m.snapshotId()}: writes {@code manifest.json}
     * into it, flushes the files to disk and renames it to {@code <root>/<snapshotId>} atomically
     * ({@link StandardCopyOption#ATOMIC_MOVE}).
     *
     * @param stagingDir a directory from {@link #newStagingDir(String)} holding the dump file {@code m.file()}
     * @param m          the snapshot's manifest
     * @return {@code m}; or, when a snapshot with that id exists already (e.g. written concurrently),
     *         the existing snapshot's manifest, the staging directory being deleted
     * @throws IllegalArgumentException when the directory is not a staging directory of this store, the
     *                                  id or file name is invalid or the dump file is missing
     * @throws IllegalStateException    when {@code <root>/<snapshotId>} exists but is no complete snapshot
     */
    public SnapshotManifest commit(Path stagingDir, SnapshotManifest m) {
        Path staging = requireStaging(stagingDir);
        Objects.requireNonNull(m, "manifest");
        String id = requireValidId(m.snapshotId());
        Path dump = staging.resolve(requireValidFileName(m.file()));
        Path target = root.resolve(id);
        if (Files.exists(target)) {
            deleteTree(staging);
            return existing(id);
        }
        if (!Files.isRegularFile(dump)) {
            throw new IllegalArgumentException("staging directory " + staging + " has no dump file " + m.file()
                    + "; write the dump before committing snapshot " + id);
        }
        try {
            force(dump);
            Path manifest = staging.resolve(MANIFEST_FILE);
            Files.writeString(manifest, EventCodec.toJson(m), StandardCharsets.UTF_8);
            force(manifest);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the manifest of snapshot " + id + " in " + staging, e);
        }
        forceDirectory(staging);
        try {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (Files.isRegularFile(target.resolve(MANIFEST_FILE))) {
                deleteTree(staging);
                return existing(id);
            }
            throw new UncheckedIOException("cannot publish snapshot " + id + " as " + target, e);
        }
        forceDirectory(root);
        return m;
    }

    /**
     * Copies a snapshot from another store into this one ("copy to the target side").
     *
     * <p>When both stores lie on one file system, the dump file is a hard link to the source store's file instead of
     * a byte copy ({@link CopyResult#linked()}): the same bytes under a second name, made in no time whatever the
     * dump's size. It is still a separate snapshot of this store: its own directory and manifest, published by the
     * same atomic rename, its checksum verified like a copy's, and deleting either store's snapshot (retention)
     * removes only that store's name. What the two stores share is the file's content, and that is never written
     * again: dbrefresh writes a dump once, in a staging directory, before it is committed; nothing opens a
     * committed dump for writing. Across file systems (or where links are refused) the bytes are copied.
     *
     * @param source     the store holding the snapshot
     * @param snapshotId the snapshot's id
     * @return the manifest and whether a copy was made ({@code false}: this store already had the same
     *         snapshot, same checksum)
     * @throws IllegalArgumentException   when the id is invalid
     * @throws SnapshotNotFoundException  when {@code source} has no complete snapshot with that id
     * @throws ChecksumMismatchException  when the copied dump's sha256 differs from the manifest's
     *                                    checksum; nothing is left in this store
     * @throws SnapshotConflictException  when this store holds a different snapshot (other checksum)
     *                                    under the same id
     */
    public CopyResult copyFrom(SnapshotStore source, String snapshotId) {
        Objects.requireNonNull(source, "source");
        requireValidId(snapshotId);
        SnapshotManifest wanted = source.find(snapshotId).orElseThrow(() -> new SnapshotNotFoundException(
                "snapshot '" + snapshotId + "' not found in snapshot store " + source.root()
                        + " (no complete snapshot directory with " + MANIFEST_FILE + ")"));
        Optional<SnapshotManifest> here = find(snapshotId);
        if (here.isPresent()) {
            return sameOrConflict(source, wanted, here.get());
        }
        Path staging = newStagingDir(snapshotId);
        try {
            Path from = source.dumpFile(wanted);
            Path to = staging.resolve(requireValidFileName(wanted.file()));
            boolean linked = linkOrCopy(from, to);
            // the bytes this store now holds are checked either way: a link shares the source's file, which must
            // still be the one the manifest describes
            String actual = sha256(to);
            if (!actual.equals(wanted.checksum())) {
                throw new ChecksumMismatchException("copy of snapshot '" + snapshotId + "' from " + from
                        + " has checksum " + actual + " but its manifest records " + wanted.checksum()
                        + "; the source dump was changed or damaged after the snapshot was taken; take a new snapshot");
            }
            SnapshotManifest committed = commit(staging, wanted);
            if (!committed.checksum().equals(wanted.checksum())) {
                return sameOrConflict(source, wanted, committed);
            }
            return new CopyResult(committed, committed == wanted, linked && committed == wanted);
        } catch (IOException e) {
            discardStaging(staging);
            throw new UncheckedIOException("cannot copy snapshot '" + snapshotId + "' from " + source.root()
                    + " to " + root, e);
        } catch (RuntimeException e) {
            discardStaging(staging);
            throw e;
        }
    }

    /**
     * Puts {@code from}'s content at {@code to}: a hard link where both lie on one file system and the file system
     * allows it, else a byte copy (another file system, e.g. a target-side store on another mount; a file system
     * without hard links; a link refused, e.g. by {@code fs.protected_hardlinks}).
     *
     * @return {@code true} when {@code to} is a hard link to {@code from}
     * @throws IOException when the copy fails
     */
    static boolean linkOrCopy(Path from, Path to) throws IOException {
        try {
            Files.createLink(to, from);
            return true;
        } catch (IOException | UnsupportedOperationException | SecurityException noLink) {
            // EXDEV (another file system), EPERM, EMLINK, ...: copy the bytes instead
            Files.deleteIfExists(to);
        }
        Files.copy(from, to);
        return false;
    }

    private CopyResult sameOrConflict(SnapshotStore source, SnapshotManifest wanted, SnapshotManifest here) {
        if (here.checksum().equals(wanted.checksum())) {
            return new CopyResult(here, false);
        }
        throw new SnapshotConflictException("snapshot '" + wanted.snapshotId() + "' exists in " + root
                + " with checksum " + here.checksum() + " but in " + source.root() + " with checksum "
                + wanted.checksum() + "; these are different snapshots under one id: delete one of them");
    }

    /**
     * Computes the SHA-256 of a file, reading it in 1 MiB blocks.
     *
     * @param file a readable file
     * @return {@code sha256:} followed by 64 lower-case hex digits
     * @throws UncheckedIOException when the file cannot be read
     */
    public static String sha256(Path file) {
        MessageDigest digest;
        try {
            digest = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
        byte[] buf = new byte[BUFFER_BYTES];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) >= 0) {
                digest.update(buf, 0, n);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + " to compute its checksum", e);
        }
        return "sha256:" + HexFormat.of().formatHex(digest.digest());
    }

    private SnapshotManifest existing(String id) {
        return find(id).orElseThrow(() -> new IllegalStateException("directory " + root.resolve(id)
                + " exists but holds no " + MANIFEST_FILE + "; it is not a complete snapshot: inspect and remove it"));
    }

    private static SnapshotManifest readManifest(Path manifest, String expectedId) {
        SnapshotManifest m;
        try {
            m = EventCodec.fromJson(Files.readString(manifest, StandardCharsets.UTF_8), SnapshotManifest.class);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + manifest, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("manifest " + manifest + " is not valid: " + e.getMessage(), e);
        }
        if (m == null || !expectedId.equals(m.snapshotId())) {
            throw new IllegalStateException("manifest " + manifest + " names snapshot '"
                    + (m == null ? null : m.snapshotId()) + "' but lies in directory '" + expectedId + "'");
        }
        // what restores, verification and newest() read without checking again
        List<String> missing = new ArrayList<>();
        if (m.engine() == null || m.engine().isBlank()) {
            missing.add("engine");
        }
        if (m.createdAt() == null) {
            missing.add("createdAt");
        }
        if (m.file() == null || !ID.matcher(m.file()).matches() || MANIFEST_FILE.equals(m.file())) {
            missing.add("file (a file name matching " + ID_REGEX + ")");
        }
        if (m.checksum() == null || m.checksum().isBlank()) {
            missing.add("checksum");
        }
        if (m.sizeBytes() < 0) {
            missing.add("sizeBytes (0 or more)");
        }
        if (m.tables() == null || m.tables().stream().anyMatch(t -> t == null || t.schema() == null
                || t.table() == null || t.rows() < 0)) {
            missing.add("tables (a list of {schema, table, rows >= 0})");
        }
        if (m.checksums() != null && m.checksums().stream().anyMatch(t -> t == null || t.schema() == null
                || t.table() == null || t.checksum() == null)) {
            missing.add("checksums (a list of {schema, table, rows, checksum})");
        }
        if (!missing.isEmpty()) {
            throw new IllegalStateException("manifest " + manifest + " is not valid: it lacks or has an invalid "
                    + String.join(", ", missing) + "; the snapshot cannot be used, take a new one");
        }
        return m;
    }

    private static String requireValidFileName(String file) {
        if (file == null || !ID.matcher(file).matches() || MANIFEST_FILE.equals(file)) {
            throw new IllegalArgumentException("invalid dump file name '" + file + "': it must match " + ID_REGEX
                    + " and not be " + MANIFEST_FILE);
        }
        return file;
    }

    private Path requireStaging(Path stagingDir) {
        Objects.requireNonNull(stagingDir, "stagingDir");
        Path p = stagingDir.toAbsolutePath().normalize();
        if (!root.equals(p.getParent()) || !p.getFileName().toString().startsWith(STAGING_PREFIX)) {
            throw new IllegalArgumentException(stagingDir + " is not a staging directory of snapshot store " + root
                    + "; create one with newStagingDir");
        }
        return p;
    }

    private static void force(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** Best effort: directory fsync (so a rename survives a crash) is not supported on every platform. */
    private static void forceDirectory(Path dir) {
        try {
            force(dir);
        } catch (IOException e) {
            // not supported here; the rename itself is still atomic
        }
    }

    /**
     * Deletes a directory and everything in it; a missing directory, or one removed concurrently, is no error.
     *
     * @param dir the directory
     * @throws UncheckedIOException when something in it cannot be deleted
     */
    public static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                    if (exc != null) {
                        throw exc;
                    }
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException e) {
            // removed concurrently
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }

    /**
     * Outcome of {@link #copyFrom(SnapshotStore, String)}.
     *
     * @param manifest the snapshot's manifest in this store
     * @param copied   {@code true} when the dump was copied now, {@code false} when this store already had it
     * @param linked   {@code true} when the copy made now is a hard link to the source store's dump (both stores on
     *                 one file system), {@code false} for a byte copy or when nothing was copied
     */
    public record CopyResult(SnapshotManifest manifest, boolean copied, boolean linked) {

        /**
         * A result without a hard link.
         *
         * @param manifest the snapshot's manifest in this store
         * @param copied   whether a copy was made now
         */
        public CopyResult(SnapshotManifest manifest, boolean copied) {
            this(manifest, copied, false);
        }
    }
}
