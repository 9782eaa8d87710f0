package dev.dbrefresh.runtime.aws.cluster;

import jakarta.inject.Singleton;
import java.util.List;

/**
 * The {@link ClusterApi} of each cluster engine: {@link RdsClusterApi} for {@code aurora-postgresql} and
 * {@code aurora-mysql}, {@code DocDbClusterApi} for {@code docdb}. Picks among every {@link ClusterApi}
 * bean by {@link ClusterApi#serves(String)}, so an engine's implementation is added by adding the bean.
 */
@Singleton
public class ClusterApis {

    private final List<ClusterApi> apis;

    /** @param apis every {@link ClusterApi} bean */
    public ClusterApis(List<ClusterApi> apis) {
        this.apis = List.copyOf(apis);
    }

    /**
     * @param engine a plan's engine id, e.g. {@code aurora-postgresql}
     * @return the API that manages that engine's clusters
     * @throws IllegalArgumentException when no bean serves the engine (e.g. {@code postgres})
     */
    public ClusterApi forEngine(String engine) {
        return apis.stream().filter(a -> a.serves(engine)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                "no cluster API serves engine '" + engine + "'; cluster engines are aurora-postgresql, aurora-mysql"
                        + " (RDS) and docdb (DocumentDB)"));
    }
}
