package dev.dbrefresh.runtime.plan;

/**
 * What starts a plan's runs besides a manual start message.
 *
 * @param backupSourcePattern regular expression over the backed-up resource's name (the AWS Backup
 *                            rotator seed's {@code SourcePattern}, e.g. {@code (?i)-production$}); a
 *                            completed AWS Backup job of a matching resource starts a run with its
 *                            recovery point; {@code null} for none. Matched with {@code find()}.
 * @param cron                schedule as a cron expression (minute hour day-of-month month day-of-week),
 *                            or {@code null}
 * @param timeZone            time zone of {@code cron}, e.g. {@code Europe/Amsterdam}; UTC when absent
 */
public record TriggerSettings(String backupSourcePattern, String cron, String timeZone) {

    /** No triggers. */
    public static final TriggerSettings NONE = new TriggerSettings(null, null, null);
}
