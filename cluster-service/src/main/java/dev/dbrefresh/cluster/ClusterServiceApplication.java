package dev.dbrefresh.cluster;

import io.micronaut.runtime.Micronaut;

/** cluster-service: deletes the old target and restores it from the snapshot. */
public final class ClusterServiceApplication {

    private ClusterServiceApplication() {
    }

    /** @param args command-line arguments, passed to Micronaut */
    public static void main(String[] args) {
        Micronaut.run(ClusterServiceApplication.class, args);
    }
}
