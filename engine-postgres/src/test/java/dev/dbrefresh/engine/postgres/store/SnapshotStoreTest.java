package dev.dbrefresh.engine.postgres.store;

import dev.dbrefresh.contracts.SnapshotManifest;
import dev.dbrefresh.contracts.TableRowCount;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SnapshotStoreTest {

    @TempDir
    Path tmp;

    /** Builds and commits a snapshot whose dump holds {@code content}. */
    private static SnapshotManifest put(SnapshotStore store, String id, String content, Instant createdAt) throws IOException {
        Path staging = store.newStagingDir(id);
        Path dump = staging.resolve("dump.pgdump");
        Files.writeString(dump, content);
        SnapshotManifest m = new SnapshotManifest(id, "postgres", "postgres://h:5432/db", createdAt, "pg_dump-custom",
                "dump.pgdump", Files.size(dump), SnapshotStore.sha256(dump),
                List.of(new TableRowCount("public", "t", 3)));
        return store.commit(staging, m);
    }

    private static List<String> entries(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void sha256_shouldMatchKnownDigest() throws IOException {
        Path f = tmp.resolve("abc");
        Files.writeString(f, "abc");
        assertThat(SnapshotStore.sha256(f))
                .isEqualTo("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        Path big = tmp.resolve("big");
        byte[] chunk = new byte[3 * 1024 * 1024 + 17];
        Files.write(big, chunk);
        assertThat(SnapshotStore.sha256(big)).startsWith("sha256:").hasSize(7 + 64);
    }

    @Test
    void commit_shouldPublishSnapshot_findableAndNewestByCreatedAt() throws IOException {
        SnapshotStore store = new SnapshotStore(tmp.resolve("store"));
        assertThat(store.newest()).isEmpty();
        assertThat(store.find("s1")).isEmpty();

        SnapshotManifest older = put(store, "s2", "older", Instant.parse("2026-01-01T00:00:00Z"));
        SnapshotManifest newer = put(store, "s1", "newer", Instant.parse("2026-02-01T00:00:00Z"));

        assertThat(store.find("s1")).contains(newer);
        assertThat(store.find("s2")).contains(older);
        assertThat(store.newest()).contains(newer);
        assertThat(store.dumpFile(newer)).isEqualTo(store.root().resolve("s1").resolve("dump.pgdump"));
        assertThat(Files.readString(store.dumpFile(newer))).isEqualTo("newer");
        assertThat(entries(store.root())).containsExactly("s1", "s2");
        assertThat(Files.readString(store.root().resolve("s1").resolve("manifest.json")))
                .contains("\"snapshotId\":\"s1\"").contains("\"checksum\":\"sha256:");
    }

    @Test
    void newest_andFind_shouldIgnoreIncompleteStagingDirectories() throws IOException {
        SnapshotStore store = new SnapshotStore(tmp);
        Path staging = store.newStagingDir("s1");
        assertThat(staging.getFileName().toString()).startsWith(".staging-");
        assertThat(staging.getParent()).isEqualTo(store.root());
        Files.writeString(staging.resolve("dump.pgdump"), "half");
        assertThat(store.find("s1")).isEmpty();
        assertThat(store.newest()).isEmpty();
        store.discardStaging(staging);
        assertThat(staging).doesNotExist();
    }

    @Test
    void commit_shouldKeepExistingSnapshot_andDeleteStaging_whenIdExists() throws IOException {
        SnapshotStore store = new SnapshotStore(tmp);
        SnapshotManifest first = put(store, "s1", "first", Instant.parse("2026-01-01T00:00:00Z"));
        SnapshotManifest second = put(store, "s1", "second", Instant.parse("2026-03-01T00:00:00Z"));
        assertThat(second).isEqualTo(first);
        assertThat(Files.readString(store.dumpFile(first))).isEqualTo("first");
        assertThat(entries(tmp)).containsExactly("s1");
    }

    @Test
    void commit_shouldRefuseDirectoriesOutsideTheStore() throws IOException {
        SnapshotStore store = new SnapshotStore(tmp.resolve("store"));
        Path elsewhere = Files.createDirectories(tmp.resolve(".staging-x"));
        SnapshotManifest m = new SnapshotManifest("s1", "postgres", "x", Instant.now(), "f", "dump.pgdump", 0,
                "sha256:00", List.of());
        assertThatThrownBy(() -> store.commit(elsewhere, m)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.commit(store.newStagingDir("s1"), m)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no dump file");
    }

    @Test
    void copyFrom_shouldCopyVerifyAndCommit_thenSkipTheSecondTime() throws IOException {
        SnapshotStore source = new SnapshotStore(tmp.resolve("source"));
        SnapshotStore target = new SnapshotStore(tmp.resolve("target"));
        SnapshotManifest m = put(source, "snap-1", "dump-bytes", Instant.parse("2026-01-01T00:00:00Z"));

        SnapshotStore.CopyResult first = target.copyFrom(source, "snap-1");
        assertThat(first.copied()).isTrue();
        assertThat(first.manifest()).isEqualTo(m);
        assertThat(target.find("snap-1")).contains(m);
        assertThat(Files.readString(target.dumpFile(m))).isEqualTo("dump-bytes");
        long mtime = Files.getLastModifiedTime(target.dumpFile(m)).toMillis();

        SnapshotStore.CopyResult second = target.copyFrom(source, "snap-1");
        assertThat(second.copied()).isFalse();
        assertThat(second.manifest()).isEqualTo(m);
        assertThat(Files.getLastModifiedTime(target.dumpFile(m)).toMillis()).isEqualTo(mtime);
        assertThat(entries(target.root())).containsExactly("snap-1");
    }

    @Test
    void copyFrom_shouldHardLinkTheDump_whenBothStoresAreOnOneFileSystem_andEachStoreKeepsItsOwnSnapshot()
            throws IOException {
        SnapshotStore source = new SnapshotStore(tmp.resolve("source"));
        SnapshotStore target = new SnapshotStore(tmp.resolve("target"));
        SnapshotManifest m = put(source, "snap-1", "dump-bytes", Instant.parse("2026-01-01T00:00:00Z"));

        SnapshotStore.CopyResult result = target.copyFrom(source, "snap-1");

        assertThat(result.copied()).isTrue();
        assertThat(result.linked()).isTrue();
        assertThat(Files.isSameFile(target.dumpFile(m), source.dumpFile(m))).as("one file, two names").isTrue();
        assertThat(target.find("snap-1")).contains(m);
        // the source store's retention deletes its snapshot: the target's stays whole
        SnapshotStore.deleteTree(source.root().resolve("snap-1"));
        assertThat(source.find("snap-1")).isEmpty();
        assertThat(target.find("snap-1")).contains(m);
        assertThat(SnapshotStore.sha256(target.dumpFile(m))).isEqualTo(m.checksum());
    }

    @Test
    void copyFrom_shouldCopyTheBytes_notLink_whenTheStoresAreOnDifferentFileSystems() throws IOException {
        Path shm = Path.of("/dev/shm");
        Assumptions.assumeTrue(Files.isDirectory(shm) && Files.isWritable(shm)
                && !Files.getFileStore(shm).equals(Files.getFileStore(tmp)), "needs /dev/shm on another file system"
                + " than the temporary directory (Linux); the same-file-system case is tested above");
        Path other = Files.createTempDirectory(shm, "dbrefresh-store-test-");
        try {
            SnapshotStore source = new SnapshotStore(other.resolve("source"));
            SnapshotStore target = new SnapshotStore(tmp.resolve("target"));
            SnapshotManifest m = put(source, "snap-1", "dump-bytes", Instant.parse("2026-01-01T00:00:00Z"));

            SnapshotStore.CopyResult result = target.copyFrom(source, "snap-1");

            assertThat(result.copied()).isTrue();
            assertThat(result.linked()).as("a hard link cannot cross file systems").isFalse();
            assertThat(Files.isSameFile(target.dumpFile(m), source.dumpFile(m))).isFalse();
            assertThat(Files.readString(target.dumpFile(m))).isEqualTo("dump-bytes");
            assertThat(target.find("snap-1")).contains(m);
            assertThat(entries(target.root())).containsExactly("snap-1");
        } finally {
            SnapshotStore.deleteTree(other);
        }
    }

    @Test
    void copyFrom_shouldThrowChecksumMismatch_andLeaveNothing_whenSourceDumpIsCorrupt() throws IOException {
        SnapshotStore source = new SnapshotStore(tmp.resolve("source"));
        SnapshotStore target = new SnapshotStore(tmp.resolve("target"));
        SnapshotManifest m = put(source, "snap-1", "dump-bytes", Instant.parse("2026-01-01T00:00:00Z"));
        Files.writeString(source.dumpFile(m), "X", StandardOpenOption.APPEND);

        assertThatThrownBy(() -> target.copyFrom(source, "snap-1"))
                .isInstanceOf(ChecksumMismatchException.class)
                .hasMessageContaining("snap-1").hasMessageContaining(m.checksum());
        assertThat(target.find("snap-1")).isEmpty();
        assertThat(entries(target.root())).isEmpty();
        assertThat(Files.readString(source.dumpFile(m))).as("discarding the linked copy leaves the source's file")
                .isEqualTo("dump-bytesX");
    }

    @Test
    void copyFrom_shouldThrowNotFound_namingIdAndStore() {
        SnapshotStore source = new SnapshotStore(tmp.resolve("source"));
        SnapshotStore target = new SnapshotStore(tmp.resolve("target"));
        assertThatThrownBy(() -> target.copyFrom(source, "nope"))
                .isInstanceOf(SnapshotNotFoundException.class)
                .hasMessageContaining("nope").hasMessageContaining(source.root().toString());
    }

    @Test
    void copyFrom_shouldRefuse_whenTargetHoldsDifferentSnapshotUnderSameId() throws IOException {
        SnapshotStore source = new SnapshotStore(tmp.resolve("source"));
        SnapshotStore target = new SnapshotStore(tmp.resolve("target"));
        put(source, "snap-1", "one", Instant.parse("2026-01-01T00:00:00Z"));
        put(target, "snap-1", "two", Instant.parse("2026-01-01T00:00:00Z"));
        assertThatThrownBy(() -> target.copyFrom(source, "snap-1")).isInstanceOf(SnapshotConflictException.class);
        assertThat(Files.readString(target.root().resolve("snap-1/dump.pgdump"), StandardCharsets.UTF_8)).isEqualTo("two");
    }

    @Test
    void invalidIds_shouldBeRefused_soNoIdEscapesTheRoot() {
        SnapshotStore store = new SnapshotStore(tmp.resolve("store"));
        for (String bad : new String[] {"", "..", "../x", "a/b", ".hidden", "-x", "a b", "a\0b", "x".repeat(202), null}) {
            assertThatThrownBy(() -> store.find(bad)).as("id %s", bad).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> store.newStagingDir(bad)).isInstanceOf(IllegalArgumentException.class);
        }
        assertThat(store.find("x".repeat(201))).isEmpty();
        assertThat(store.find("a..b")).isEmpty();
        SnapshotManifest escaping = new SnapshotManifest("ok", "postgres", "x", Instant.now(), "f", "../../etc/passwd", 0,
                "sha256:00", List.of());
        assertThatThrownBy(() -> store.dumpFile(escaping)).isInstanceOf(IllegalArgumentException.class);
    }
}
