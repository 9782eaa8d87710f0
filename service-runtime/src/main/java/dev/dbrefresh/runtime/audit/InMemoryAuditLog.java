package dev.dbrefresh.runtime.audit;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The {@link AuditLog} in memory, with the semantics of {@link DynamoDbAuditLog}: a write of an existing
 * ({@code runId}, {@code sortKey}) is refused, details are cut the same way, a missing key or required field is
 * refused, and {@link #entries} and {@link #runs} order entries as DynamoDB's query and scan do. Runs that started
 * at the same instant are listed in the order their first entry was recorded (DynamoDB: in its partition order).
 *
 * <p>For tests and single-process use: nothing is persisted, and nothing expires. Thread-safe: every method holds
 * one lock. Beyond the port, {@link #written()} lists every entry in the order it was written, whatever its run.
 */
public final class InMemoryAuditLog implements AuditLog {

    private final Object lock = new Object();
    /** Run id to the run's entries by sort key, runs in the order they were first recorded. */
    private final Map<String, NavigableMap<String, AuditEntry>> byRun = new LinkedHashMap<>();
    private final List<AuditEntry> written = new CopyOnWriteArrayList<>();

    /** An empty audit log. */
    public InMemoryAuditLog() {
    }

    /**
     * {@inheritDoc}
     *
     * @throws NullPointerException     when {@code at}, {@code service}, {@code step} or {@code status} is
     *                                  {@code null}
     * @throws IllegalArgumentException when {@code runId} or {@code sortKey} is {@code null} or empty
     */
    @Override
    public boolean record(AuditEntry entry) {
        requireKey(entry.runId(), "runId");
        requireKey(entry.sortKey(), "sortKey");
        Objects.requireNonNull(entry.at(), "at");
        Objects.requireNonNull(entry.service(), "service");
        Objects.requireNonNull(entry.step(), "step");
        Objects.requireNonNull(entry.status(), "status");
        synchronized (lock) {
            NavigableMap<String, AuditEntry> run = byRun.computeIfAbsent(entry.runId(),
                    k -> new TreeMap<>(AuditLogRules.SORT_KEY_ORDER));
            AuditEntry stored = AuditLogRules.stored(entry);
            if (run.putIfAbsent(entry.sortKey(), stored) != null) {
                return false;
            }
            written.add(stored);
            return true;
        }
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException when {@code runId} is {@code null} or empty
     */
    @Override
    public List<AuditEntry> entries(String runId) {
        requireKey(runId, "runId");
        List<AuditEntry> out;
        synchronized (lock) {
            NavigableMap<String, AuditEntry> run = byRun.get(runId);
            out = run == null ? new ArrayList<>() : new ArrayList<>(run.values());
        }
        out.sort(AuditLogRules.ENTRY_ORDER);
        return out;
    }

    @Override
    public List<RunSummary> runs(String plan, int limit) {
        Map<String, List<AuditEntry>> copy = new LinkedHashMap<>();
        synchronized (lock) {
            byRun.forEach((run, entries) -> copy.put(run, new ArrayList<>(entries.values())));
        }
        return AuditLogRules.summarise(copy, plan, limit);
    }

    /**
     * @return every entry written (as stored, details cut), in the order {@link #record} wrote them, of all runs;
     *         refused duplicates are not in it. A live, unmodifiable view: it grows with later writes, and iterating
     *         it while others write is safe (it iterates a snapshot).
     */
    public List<AuditEntry> written() {
        return Collections.unmodifiableList(written);
    }

    private static void requireKey(String value, String name) {
        if (value == null || value.isEmpty()) {
            throw new IllegalArgumentException("the audit entry's " + name + " is missing: a key must be non-empty");
        }
    }
}
