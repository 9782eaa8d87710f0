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
 */
public record SnapshotManifest(String snapshotId, String engine, String source, Instant createdAt, String format,
        String file, long sizeBytes, String checksum, List<TableRowCount> tables) {

    /** @return the sum of all table row counts */
    public long totalRows() {
        return tables.stream().mapToLong(TableRowCount::rows).sum();
    }
}
