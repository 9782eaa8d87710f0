package dev.dbrefresh.notifier.it;

import dev.dbrefresh.runtime.testing.Inbox;
import dev.dbrefresh.runtime.testing.ServiceStack;
import java.time.Duration;
import java.util.List;
import software.amazon.awssdk.services.sqs.model.Message;

import static org.awaitility.Awaitility.await;

/** The notifications a notifier test reads from a notification queue, told apart by run id. */
final class Notifications {

    private final Inbox inbox;

    /** @param inbox the notification queue's inbox */
    Notifications(Inbox inbox) {
        this.inbox = inbox;
    }

    /** @return the notifications of a run received so far */
    List<Message> of(String runId) {
        return inbox.messages(n -> runId.equals(n.path("runId").asText()));
    }

    /** @return the first notification of a run, waiting up to {@link ServiceStack#PATIENCE} for it */
    Message first(String runId) {
        await("notification of " + runId).atMost(ServiceStack.PATIENCE).pollInterval(Duration.ofMillis(250))
                .until(() -> !of(runId).isEmpty());
        return of(runId).get(0);
    }
}
