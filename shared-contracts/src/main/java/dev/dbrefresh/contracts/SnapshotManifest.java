package dev.dbrefresh.contracts;

import java.time.Instant;
import java.util.List;

/**
 * The manifest stored beside a snapshot taken by a self-managed engine ({@code manifest.json}); what
 * users-service verifies the restored data against.
 *
 * @param snapshotId id of the snapshot, e.g. {@code pgbench_production-20261121t223900z}
 * @param engine     engine id, e.g. {@code postgres}
 * @param source     where it was taken, e.g. {@code postgres://127.0.0.1:5432/pgbench_production}
 * @param createdAt  when the dump's snapshot was taken (UTC)
 * @param format     dump format, e.g. {@code pg_dump-custom}
 * @param file       file name of the dump inside the snapshot directory
 * @param sizeBytes  size of the dump file in bytes
 * @param checksum   {@code sha256:<hex>} of the dump file
 * @param tables     exact row counts of every table, read in the same database snapshot as the dump
 * @param plan       the plan that took it, or {@code null} in manifests written before plans were recorded
 * @param sourceIdentity the source database's identity as its server states it, e.g.
 *                   {@code postgres://7714262252240590957/pgbench_production} (system identifier and database,
 *                   see {@code PlanIdentities}); {@code null} in manifests written before it was recorded, which
 *                   no plan accepts
 * @param checksums  per table an order-independent checksum of its rows, read in the same database snapshot as
 *                   the dump (plans with {@code verify: checksums}); {@code null} where none were computed
 */
public record SnapshotManifest(String snapshotId, String engine, String source, Instant createdAt, String format,
        String file, long sizeBytes, String checksum, List<TableRowCount> tables, String plan, String sourceIdentity,
        List<TableChecksum> checksums) {

    /**
     * A manifest without content checksums.
     *
     * @see #SnapshotManifest(String, String, String, Instant, String, String, long, String, List, String, String, List)
     */
    public SnapshotManifest(String snapshotId, String engine, String source, Instant createdAt, String format,
            String file, long sizeBytes, String checksum, List<TableRowCount> tables, String plan,
            String sourceIdentity) {
        this(snapshotId, engine, source, createdAt, format, file, sizeBytes, checksum, tables, plan, sourceIdentity,
                null);
    }

    /**
     * A manifest that records no plan or source identity (tests of parts that do not look at them).
     *
     * @see #SnapshotManifest(String, String, String, Instant, String, String, long, String, List, String, String)
     */
    public SnapshotManifest(String snapshotId, String engine, String source, Instant createdAt, String format,
            String file, long sizeBytes, String checksum, List<TableRowCount> tables) {
        this(snapshotId, engine, source, createdAt, format, file, sizeBytes, checksum, tables, null, null, null);
    }

    /**
     * @param plan     plan name
     * @param identity the source's identity
     * @return this manifest, recording them
     */
    public SnapshotManifest ofSource(String plan, String identity) {
        return new SnapshotManifest(snapshotId, engine, source, createdAt, format, file, sizeBytes, checksum, tables,
                plan, identity, checksums);
    }

    /**
     * @param tableChecksums per table content checksums read in the dump's database snapshot, or {@code null}
     * @return this manifest, recording them
     */
    public SnapshotManifest withChecksums(List<TableChecksum> tableChecksums) {
        return new SnapshotManifest(snapshotId, engine, source, createdAt, format, file, sizeBytes, checksum, tables,
                plan, sourceIdentity, tableChecksums == null ? null : List.copyOf(tableChecksums));
    }

    /**
     * @param identity a source's identity
     * @return whether this snapshot was taken of that source (false where the manifest records none)
     */
    public boolean isOf(String identity) {
        return sourceIdentity != null && sourceIdentity.equals(identity);
    }

    /** @return the sum of all table row counts */
    public long totalRows() {
        return tables.stream().mapToLong(TableRowCount::rows).sum();
    }
}
