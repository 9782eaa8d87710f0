package dev.dbrefresh.runtime.messaging;

import dev.dbrefresh.contracts.EventEnvelope;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a message that is not a dbrefresh envelope (e.g. an AWS Backup notification arriving on the
 * start queue) into dbrefresh events. The {@link SqsConsumer} asks every translator before decoding a
 * body as an envelope. Translated events must have deterministic ids (e.g. derived from the backup job
 * id), so the same foreign message delivered twice, or through two channels, starts one run.
 */
public interface InboundTranslator {

    /**
     * @param body       the SQS message body, SNS envelope already removed
     * @param attributes string message attributes (SQS, or the SNS envelope's {@code MessageAttributes})
     * @return empty when the message is not of this translator's kind; else the translation
     * @throws dev.dbrefresh.contracts.MalformedEventException when it is of this kind but unusable (it
     *                                                         goes to the DLQ with the message as reason)
     */
    Optional<Translation> translate(String body, Map<String, String> attributes);

    /**
     * What a foreign message means.
     *
     * @param source        what it was, for the audit log, e.g. {@code aws-backup job 1b2c...}
     * @param events        the dbrefresh events to publish (may be empty)
     * @param ignoredReason why nothing is started (non-matching resource, job not completed), or {@code null}
     */
    record Translation(String source, List<EventEnvelope> events, String ignoredReason) {
    }
}
