package dev.dbrefresh.engine.postgres.sanitize;

import dev.dbrefresh.contracts.SnapshotManifest;
import dev.dbrefresh.contracts.TableRowCount;
import dev.dbrefresh.runtime.plan.SanitizeSettings;
import dev.dbrefresh.runtime.plan.SanitizeSettings.TableMask;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** The row counts a restored and masked database must have: the manifest's, with truncated tables at 0. */
public final class MaskedCounts {

    private MaskedCounts() {
    }

    /**
     * @param manifest the snapshot's manifest
     * @param settings the plan's sanitize settings
     * @return the manifest, every table of a {@code truncate-table} mask counted 0 rows ({@code sql:} files must not
     *         change row counts: the count verification after the swap would report them)
     */
    public static SnapshotManifest afterMasking(SnapshotManifest manifest, SanitizeSettings settings) {
        Set<String> truncated = settings.masks().stream().filter(TableMask::truncate)
                .map(m -> m.schema() + "\u0000" + m.table()).collect(Collectors.toSet());
        if (truncated.isEmpty()) {
            return manifest;
        }
        List<TableRowCount> tables = manifest.tables().stream().map(t -> truncated.contains(t.schema() + "\u0000"
                + t.table()) ? new TableRowCount(t.schema(), t.table(), 0) : t).toList();
        return new SnapshotManifest(manifest.snapshotId(), manifest.engine(), manifest.source(), manifest.createdAt(),
                manifest.format(), manifest.file(), manifest.sizeBytes(), manifest.checksum(), tables, manifest.plan(),
                manifest.sourceIdentity(), manifest.checksums());
    }
}
