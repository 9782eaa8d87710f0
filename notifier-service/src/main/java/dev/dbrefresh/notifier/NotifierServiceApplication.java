package dev.dbrefresh.notifier;

import io.micronaut.runtime.Micronaut;

/** notifier-service: sends the completion or failure notification of a run. */
public final class NotifierServiceApplication {

    private NotifierServiceApplication() {
    }

    /** @param args command-line arguments, passed to Micronaut */
    public static void main(String[] args) {
        Micronaut.run(NotifierServiceApplication.class, args);
    }
}
