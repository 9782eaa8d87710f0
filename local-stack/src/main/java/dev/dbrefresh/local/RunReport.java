package dev.dbrefresh.local;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dbrefresh.runtime.audit.AuditEntry;
import dev.dbrefresh.runtime.audit.AuditStatus;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;

/**
 * The outcome of one run as the local stack saw it.
 *
 * @param runId        run id
 * @param plan         plan name
 * @param succeeded    whether the run ended with the completion notification
 * @param entries      the run's audit log, in order
 * @param notification the notification the notifier sent (JSON), or {@code null} when none arrived
 * @param elapsed      from the start message to the notification
 */
public record RunReport(String runId, String plan, boolean succeeded, List<AuditEntry> entries, JsonNode notification,
        Duration elapsed) {

    /**
     * Prints the summary: each step with its status and duration, rows verified per table, the result.
     *
     * @param out where to print
     */
    public void print(PrintStream out) {
        out.println();
        boolean dryRun = notification != null && "dry-run".equals(notification.path("result").asText());
        out.printf("Summary of run %s (plan %s): %s in %.1f s%n", runId, plan,
                dryRun ? "DRY-RUN, nothing changed" : succeeded ? "SUCCEEDED" : "FAILED", elapsed.toMillis() / 1000.0);
        out.printf("  %-18s %-15s %-10s %10s  %s%n", "service", "step", "status", "duration", "details");
        for (AuditEntry e : entries) {
            if (!e.is(AuditStatus.STARTED)) {
                out.printf("  %-18s %-15s %-10s %7d ms  %s%n", e.service(), e.step(), e.status(), e.durationMs(),
                        e.details() == null ? "" : e.details());
            }
        }
        if (notification != null && notification.path("verified").size() > 0) {
            out.println("  rows verified per table (restored = snapshot manifest):");
            for (JsonNode t : notification.path("verified")) {
                out.printf("    %-40s %,12d%n", t.path("schema").asText() + "." + t.path("table").asText(),
                        t.path("rows").asLong());
            }
            out.printf("    %-40s %,12d%n", "total", notification.path("rowsVerified").asLong());
        }
        out.println("  result: " + (notification == null ? "no notification received" : notification.path("message").asText()));
    }
}
