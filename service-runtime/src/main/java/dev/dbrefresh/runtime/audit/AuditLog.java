package dev.dbrefresh.runtime.audit;

import java.time.Instant;
import java.util.List;

/**
 * The choreography audit log: one entry per step transition, keyed by ({@code runId}, {@code sortKey}) (see
 * {@link AuditEntry#sortKey()}). Every service writes it; the command line's {@code status} and the notifier read
 * it.
 *
 * <p>A port with two implementations of one contract: {@link DynamoDbAuditLog} (the bean; a DynamoDB table) and
 * {@link InMemoryAuditLog} (tests and single-process use). Implementations are thread-safe. An entry is never
 * changed once written: a second write of its key is refused, which is what makes a redelivered event's step
 * transitions harmless.
 */
public interface AuditLog {

    /**
     * Longest {@code details} stored, in characters: far below DynamoDB's 400 KB item limit, so a step
     * that describes thousands of tables is cut, not lost.
     */
    int MAX_DETAILS_CHARS = 32_000;

    /**
     * Writes an entry unless an entry with the same key exists (conditional put); details longer than
     * {@link #MAX_DETAILS_CHARS} are cut and say how much was cut: the first {@value #MAX_DETAILS_CHARS}
     * characters followed by {@code "... (<n> more characters)"}. Every other field is stored as given.
     *
     * @param entry the entry; {@code runId} and {@code sortKey} must be non-empty, and {@code at},
     *              {@code service}, {@code step} and {@code status} non-null
     * @return {@code true} when written, {@code false} when it was already there (a redelivery); the entry
     *         already there is kept unchanged
     * @throws RuntimeException when a required field is missing (nothing is written), or the store cannot be
     *                          reached (DynamoDB: an {@code SdkException})
     */
    boolean record(AuditEntry entry);

    /**
     * @param runId a run id
     * @return the run's entries in the order they happened: by {@link AuditEntry#at()}, then by
     *         {@link AuditEntry#sortKey()} ({@link String#compareTo}) for entries of the same instant; empty for an
     *         unknown run; a new list the caller may change
     */
    List<AuditEntry> entries(String runId);

    /**
     * Lists runs with their first and last entry. A run's entries are ordered by {@link AuditEntry#at()}, entries
     * of the same instant by sort key in code point order (the UTF-8 byte order DynamoDB sorts by): the first is
     * the run's start, the last its latest entry, and the run's plan is the first non-null
     * {@link AuditEntry#plan()} in that order.
     *
     * @param plan  only runs of this plan, or {@code null} for all
     * @param limit at most this many runs, newest first (by {@link RunSummary#startedAt()}; runs that started at
     *              the same instant come in no specified order); {@code 0} gives an empty list
     * @return per run: the first and last entry
     * @throws IllegalArgumentException when {@code limit} is negative
     */
    List<RunSummary> runs(String plan, int limit);

    /**
     * @param runId     run id
     * @param plan      plan name, or {@code null} when no entry of the run names one
     * @param startedAt time of the run's first entry
     * @param last      the run's latest entry
     */
    record RunSummary(String runId, String plan, Instant startedAt, AuditEntry last) {
    }
}
