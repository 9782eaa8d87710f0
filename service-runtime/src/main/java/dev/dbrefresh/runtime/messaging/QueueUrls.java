package dev.dbrefresh.runtime.messaging;

import jakarta.inject.Singleton;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import software.amazon.awssdk.services.sqs.SqsClient;

/** Resolves queue names to queue URLs ({@code GetQueueUrl}) once per name. */
@Singleton
public class QueueUrls {

    private final SqsClient sqs;
    private final Map<String, String> urls = new ConcurrentHashMap<>();

    /** @param sqs the SQS client */
    public QueueUrls(SqsClient sqs) {
        this.sqs = sqs;
    }

    /**
     * @param queueName a queue name
     * @return its URL
     * @throws software.amazon.awssdk.services.sqs.model.QueueDoesNotExistException when there is no such queue
     */
    public String url(String queueName) {
        return urls.computeIfAbsent(queueName, n -> sqs.getQueueUrl(r -> r.queueName(n)).queueUrl());
    }
}
