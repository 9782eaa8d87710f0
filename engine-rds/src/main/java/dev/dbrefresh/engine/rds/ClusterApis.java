package dev.dbrefresh.engine.rds;

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
    private final AssumedRoleClients roles;

    /** @param apis cluster APIs (no source-account role support; for tests) */
    public ClusterApis(List<ClusterApi> apis) {
        this(apis, null);
    }

    /**
     * @param apis  every {@link ClusterApi} bean
     * @param roles cluster APIs acting through a role in another account
     */
    @jakarta.inject.Inject
    public ClusterApis(List<ClusterApi> apis, AssumedRoleClients roles) {
        this.apis = List.copyOf(apis);
        this.roles = roles;
    }

    /**
     * The API that acts in the source (production) account: through {@code roleArn} when the plan names
     * one, else with this service's own credentials (the service runs in the source account).
     *
     * @param engine  a plan's engine id
     * @param roleArn the plan's {@code source.share-role-arn}, or {@code null}
     * @param region  the source region
     * @return the API
     * @throws IllegalStateException when a role is named but this instance was built without role support
     */
    public ClusterApi forSource(String engine, String roleArn, String region) {
        if (roleArn == null) {
            return forEngine(engine);
        }
        if (roles == null) {
            throw new IllegalStateException("source.share-role-arn needs AssumedRoleClients");
        }
        return roles.clusterApi(engine, roleArn, region);
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
