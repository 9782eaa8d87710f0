package dev.dbrefresh.runtime.audit;

import dev.dbrefresh.runtime.audit.AuditLog.RunSummary;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * What every {@link AuditLog} implementation does the same way, so that they cannot drift apart: how details
 * are cut, how a run's entries are ordered, and how runs are summarised.
 */
final class AuditLogRules {

    /** The order of {@link AuditLog#entries}: by time, then by sort key. */
    static final Comparator<AuditEntry> ENTRY_ORDER = Comparator.comparing(AuditEntry::at)
            .thenComparing(AuditEntry::sortKey);

    /**
     * The order of a DynamoDB sort key of type S: by UTF-8 bytes, which is code point order (it differs from
     * {@link String#compareTo} only for characters outside the Basic Multilingual Plane).
     */
    static final Comparator<String> SORT_KEY_ORDER = (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            int ca = a.codePointAt(i);
            int cb = b.codePointAt(j);
            if (ca != cb) {
                return Integer.compare(ca, cb);
            }
            i += Character.charCount(ca);
            j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
    };

    private AuditLogRules() {
    }

    /**
     * @param details an entry's details, or {@code null}
     * @return them as stored: at most {@link AuditLog#MAX_DETAILS_CHARS} characters and a note of how many more
     *         there were; {@code null} for {@code null}
     */
    static String stored(String details) {
        if (details == null || details.length() <= AuditLog.MAX_DETAILS_CHARS) {
            return details;
        }
        return details.substring(0, AuditLog.MAX_DETAILS_CHARS) + "... ("
                + (details.length() - AuditLog.MAX_DETAILS_CHARS) + " more characters)";
    }

    /**
     * @param entry an entry to record
     * @return the same entry with its details as stored ({@link #stored})
     */
    static AuditEntry stored(AuditEntry entry) {
        if (entry.details() == null || entry.details().length() <= AuditLog.MAX_DETAILS_CHARS) {
            return entry;
        }
        return new AuditEntry(entry.runId(), entry.sortKey(), entry.at(), entry.service(), entry.step(),
                entry.status(), entry.durationMs(), stored(entry.details()), entry.errorCode(), entry.eventId(),
                entry.plan());
    }

    /**
     * The body of {@link AuditLog#runs}.
     *
     * @param byRun every run's entries, each list in sort key order ({@link #SORT_KEY_ORDER}); the lists are
     *              sorted in place
     * @param plan  only runs of this plan, or {@code null} for all
     * @param limit at most this many runs
     * @return the runs, newest first; runs that started at the same instant in {@code byRun}'s order
     */
    static List<RunSummary> summarise(Map<String, List<AuditEntry>> byRun, String plan, int limit) {
        List<RunSummary> runs = new ArrayList<>();
        byRun.forEach((run, entries) -> {
            entries.sort(Comparator.comparing(AuditEntry::at));
            String runPlan = entries.stream().map(AuditEntry::plan).filter(p -> p != null).findFirst().orElse(null);
            if (plan == null || plan.equals(runPlan)) {
                runs.add(new RunSummary(run, runPlan, entries.get(0).at(), entries.get(entries.size() - 1)));
            }
        });
        runs.sort(Comparator.comparing(RunSummary::startedAt).reversed());
        return runs.subList(0, Math.min(limit, runs.size()));
    }
}
