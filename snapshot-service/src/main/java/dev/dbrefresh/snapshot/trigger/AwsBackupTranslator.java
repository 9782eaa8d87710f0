package dev.dbrefresh.snapshot.trigger;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dbrefresh.contracts.EventCodec;
import dev.dbrefresh.contracts.EventEnvelope;
import dev.dbrefresh.contracts.MalformedEventException;
import dev.dbrefresh.contracts.RefreshRequested;
import dev.dbrefresh.runtime.messaging.InboundTranslator;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import jakarta.inject.Singleton;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns AWS Backup notifications on the start queue into runs: for a completed backup job, one
 * {@code refresh.requested} (snapshot = the recovery point ARN) for every plan whose
 * {@code triggers.aws-backup.source-pattern} matches the backed-up resource's name.
 *
 * <p>Accepted shapes:
 * <ul>
 *   <li>EventBridge "Backup Job State Change" events ({@code source: aws.backup}, {@code detail.state},
 *       {@code detail.backupJobId}, {@code detail.recoveryPointArn}, {@code detail.resourceArn}) —
 *       <a href="https://docs.aws.amazon.com/aws-backup/latest/devguide/eventbridge.html">AWS Backup EventBridge events</a>;</li>
 *   <li>SNS notifications of a backup vault, whose message is the text "An AWS Backup job was completed
 *       successfully. Recovery point ARN: ... Resource ARN : ... BackupJob ID : ..." with message
 *       attributes {@code EventType=BACKUP_JOB}, {@code State=COMPLETED}
 *       (<a href="https://docs.aws.amazon.com/aws-backup/latest/devguide/backup-notifications.html">AWS Backup SNS notifications</a>),
 *       SNS-wrapped or with raw message delivery;</li>
 *   <li>the JSON form the AWS Backup rotator seed reads: {@code EventType: BACKUP_JOB_COMPLETED} (or
 *       {@code State: COMPLETED}), {@code BackupJobID}, {@code RecoveryPointArn},
 *       {@code BackedUpResourceArn}, {@code StatusMessage}.</li>
 * </ul>
 * A job that is not completed, or a resource no plan matches, is ignored (and acknowledged). A
 * notification that is recognisably AWS Backup's but lacks the job id, recovery point or resource is
 * malformed and goes to the DLQ.
 *
 * <p>Idempotency across triggers: the event id is {@code aws-backup-<job id>-<plan>} and the run id
 * {@code backup-<job id>-<plan>}, the same whichever channel (SNS retry, EventBridge) delivers the job,
 * so it starts one run.
 */
@Singleton
public class AwsBackupTranslator implements InboundTranslator {

    private static final Pattern TEXT = Pattern.compile("An AWS Backup job (?:was )?(?<outcome>[^.]*)\\.",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern RECOVERY_POINT = Pattern.compile("Recovery point ARN\\s*:\\s*(\\S+?)\\.?(?:\\s|$)",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern RESOURCE = Pattern.compile("Resource ARN\\s*:\\s*(\\S+?)\\.?(?:\\s|$)",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern JOB = Pattern.compile("BackupJob ID\\s*:\\s*([A-Za-z0-9-]+)", Pattern.CASE_INSENSITIVE);
    /** What a backup job id may be: it becomes part of the start message's id and run id. */
    private static final Pattern JOB_ID = Pattern.compile("[A-Za-z0-9-]{1,128}");

    private final PlanCatalog plans;

    /** @param plans refresh plans (their AWS Backup source patterns) */
    public AwsBackupTranslator(PlanCatalog plans) {
        this.plans = plans;
    }

    @Override
    public Optional<Translation> translate(String body, Map<String, String> attributes) {
        Optional<BackupJob> job = parse(body, attributes);
        return job.map(this::translate);
    }

    private Translation translate(BackupJob job) {
        // abbreviated: the source and the reason go into an audit entry
        String source = "aws-backup job " + EventCodec.abbreviate(job.jobId()) + " of "
                + EventCodec.abbreviate(job.resourceArn());
        if (!job.completed()) {
            return new Translation(source, List.of(), "the job is " + EventCodec.abbreviate(job.state())
                    + ", not COMPLETED");
        }
        String resource = resourceName(job.resourceArn());
        List<EventEnvelope> starts = new ArrayList<>();
        for (RefreshPlan plan : plans.all().values()) {
            String pattern = plan.triggers().backupSourcePattern();
            if (pattern != null && Pattern.compile(pattern).matcher(resource).find()) {
                String runId = "backup-" + job.jobId() + "-" + plan.name();
                RefreshRequested request = new RefreshRequested(plan.name(), job.recoveryPointArn(), null, false, "aws-backup");
                EventEnvelope created = EventEnvelope.create("dbrefresh/aws-backup", runId, null, request,
                        job.time() == null ? Instant.now() : job.time());
                starts.add(created.withId("aws-backup-" + job.jobId() + "-" + plan.name()));
            }
        }
        if (starts.isEmpty()) {
            return new Translation(source, List.of(), "no plan's triggers.aws-backup.source-pattern matches resource '"
                    + EventCodec.abbreviate(resource) + "'");
        }
        return new Translation(source, starts, null);
    }

    /**
     * @param arn a resource ARN, e.g. {@code arn:aws:dynamodb:eu-west-1:111111111111:table/orders-production}
     * @return its name: the part after the last {@code /} or {@code :}, e.g. {@code orders-production}
     */
    static String resourceName(String arn) {
        int cut = Math.max(arn.lastIndexOf('/'), arn.lastIndexOf(':'));
        return cut < 0 ? arn : arn.substring(cut + 1);
    }

    /**
     * A backup job as a notification describes it.
     *
     * @param jobId            backup job id
     * @param state            job state, e.g. {@code COMPLETED}, {@code FAILED}
     * @param recoveryPointArn recovery point ARN
     * @param resourceArn      backed-up resource ARN
     * @param time             when the notification says it happened, or {@code null}
     */
    record BackupJob(String jobId, String state, String recoveryPointArn, String resourceArn, Instant time) {
        boolean completed() {
            return "COMPLETED".equals(state);
        }
    }

    /**
     * @param body       message body (SNS envelope removed)
     * @param attributes message attributes
     * @return the backup job, or empty when the message is not an AWS Backup notification
     * @throws MalformedEventException when it is one but lacks what a run needs
     */
    static Optional<BackupJob> parse(String body, Map<String, String> attributes) {
        if (body == null) {
            return Optional.empty();
        }
        String trimmed = body.trim();
        if (trimmed.startsWith("{")) {
            JsonNode n;
            try {
                n = EventCodec.mapper().readTree(trimmed);
            } catch (Exception notJson) {
                return Optional.empty();
            }
            if ("aws.backup".equals(n.path("source").asText())) {
                return Optional.of(fromEventBridge(n));
            }
            if (field(n, "BackupJobId").isPresent() || field(n, "EventType").filter(t -> t.startsWith("BACKUP_JOB")).isPresent()) {
                return Optional.of(fromSeedJson(n));
            }
            return Optional.empty();
        }
        Matcher text = TEXT.matcher(trimmed);
        // a binary message attribute has no string value: SqsConsumer passes null
        String eventType = attributes.get("EventType");
        String stateAttribute = attributes.get("State");
        boolean backupAttributes = eventType != null && eventType.startsWith("BACKUP_JOB");
        if (!text.lookingAt() && !backupAttributes) {
            return Optional.empty();
        }
        String state = stateAttribute != null ? stateAttribute.toUpperCase(Locale.ROOT)
                : text.lookingAt() && text.group("outcome").toLowerCase(Locale.ROOT).contains("completed successfully")
                ? "COMPLETED" : "UNKNOWN";
        return Optional.of(require(new BackupJob(group(JOB, trimmed), state, group(RECOVERY_POINT, trimmed),
                group(RESOURCE, trimmed), null), "SNS notification"));
    }

    private static BackupJob fromEventBridge(JsonNode n) {
        if (!"Backup Job State Change".equals(n.path("detail-type").asText())) {
            // Other AWS Backup events (copy jobs, vaults) start nothing: a job of no interest.
            return new BackupJob(n.path("id").asText("unknown"), "NOT_A_BACKUP_JOB:" + n.path("detail-type").asText(),
                    "-", "-", null);
        }
        JsonNode d = n.path("detail");
        Instant time;
        try {
            time = n.hasNonNull("time") ? Instant.parse(n.get("time").asText()) : null;
        } catch (java.time.format.DateTimeParseException e) {
            throw new MalformedEventException("AWS Backup EventBridge event has a 'time' that is not an ISO-8601 instant"
                    + " such as 2026-11-21T02:10:30Z: '" + EventCodec.abbreviate(n.get("time").asText()) + "'");
        }
        return require(new BackupJob(text(d, "backupJobId"), d.path("state").asText("").toUpperCase(Locale.ROOT),
                text(d, "recoveryPointArn"), text(d, "resourceArn"), time), "EventBridge event");
    }

    private static BackupJob fromSeedJson(JsonNode n) {
        String state = field(n, "State").or(() -> field(n, "Status")).map(s -> s.toUpperCase(Locale.ROOT))
                .orElse(field(n, "EventType").map(t -> t.equals("BACKUP_JOB_COMPLETED") ? "COMPLETED" : t).orElse("UNKNOWN"));
        return require(new BackupJob(field(n, "BackupJobId").orElse(null), state, field(n, "RecoveryPointArn").orElse(null),
                field(n, "BackedUpResourceArn").or(() -> field(n, "ResourceArn")).orElse(null), null), "notification");
    }

    private static BackupJob require(BackupJob job, String shape) {
        if (!job.completed()) {
            return new BackupJob(job.jobId() == null ? "unknown" : job.jobId(), job.state(), job.recoveryPointArn(),
                    job.resourceArn() == null ? "unknown resource" : job.resourceArn(), job.time());
        }
        List<String> missing = new ArrayList<>();
        if (job.jobId() == null) {
            missing.add("backup job id");
        } else if (!JOB_ID.matcher(job.jobId()).matches()) {
            // the job id becomes the start message's id and run id (audit partition key, idempotency key)
            throw new MalformedEventException("AWS Backup " + shape + " has backup job id '"
                    + EventCodec.abbreviate(job.jobId()) + "', which is not 1 to 128 letters, digits and hyphens"
                    + " (AWS Backup's job ids are UUIDs)");
        }
        if (job.recoveryPointArn() == null) {
            missing.add("recovery point ARN");
        }
        if (job.resourceArn() == null) {
            missing.add("resource ARN");
        }
        if (!missing.isEmpty()) {
            throw new MalformedEventException("AWS Backup " + shape + " of a completed job lacks " + missing
                    + "; cannot start a refresh from it");
        }
        return job;
    }

    /** Case-insensitive field lookup ({@code BackupJobID} and {@code BackupJobId} both occur). */
    private static Optional<String> field(JsonNode n, String name) {
        for (Iterator<String> it = n.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (f.equalsIgnoreCase(name) && n.get(f).isValueNode() && !n.get(f).asText().isBlank()) {
                return Optional.of(n.get(f).asText());
            }
        }
        return Optional.empty();
    }

    private static String text(JsonNode n, String name) {
        return n.hasNonNull(name) && !n.get(name).asText().isBlank() ? n.get(name).asText() : null;
    }

    private static String group(Pattern p, String s) {
        Matcher m = p.matcher(s);
        return m.find() ? m.group(1) : null;
    }
}
