package dev.dbrefresh.runtime.plan;

/**
 * Where a run's outcome is announced besides the plan's notification queue.
 *
 * @param topicArn          SNS topic for the notification, or {@code null}
 * @param pipeline          CodePipeline started after a successful refresh (the DocumentDB seed's
 *                          deployment pipeline), or {@code null}
 * @param endpointParameter SSM parameter that receives the refreshed endpoint, or {@code null}
 * @param keepCopies        retention: snapshot copies made by dbrefresh to keep (newest first); older
 *                          tagged copies are deleted; 0 keeps all
 */
public record NotificationSettings(String topicArn, String pipeline, String endpointParameter, int keepCopies) {

    /** No channels beyond the queue, no retention. */
    public static final NotificationSettings NONE = new NotificationSettings(null, null, null, 0);
}
