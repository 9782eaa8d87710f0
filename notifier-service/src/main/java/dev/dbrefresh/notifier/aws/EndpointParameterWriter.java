package dev.dbrefresh.notifier.aws;

import dev.dbrefresh.runtime.params.ParameterStore;
import io.micronaut.context.BeanProvider;
import jakarta.inject.Singleton;

/**
 * Writes the refreshed endpoint to the plan's parameter ({@code notifications.endpoint-parameter}) in the
 * {@link ParameterStore}: SSM Parameter Store on AWS ({@code PutParameter}, {@code Overwrite=true}, a new
 * version each time), so applications find the acceptance database where the parameter says. Idempotent:
 * a redelivery writes the same value again.
 *
 * <p>The store is looked up when first needed: plans without the parameter need no store configured.
 */
@Singleton
public class EndpointParameterWriter {

    private final BeanProvider<ParameterStore> store;

    /** @param store the parameter store, resolved on first use */
    public EndpointParameterWriter(BeanProvider<ParameterStore> store) {
        this.store = store;
    }

    /**
     * @param parameter parameter name, e.g. {@code /app/acceptance/db-endpoint}
     * @param endpoint  the endpoint, e.g. {@code acc.cluster-abc.eu-west-1.rds.amazonaws.com}
     * @return the parameter's new version
     * @throws IllegalStateException when no parameter store is configured ({@code dbrefresh.parameters.backend})
     */
    public long write(String parameter, String endpoint) {
        if (!store.isPresent()) {
            throw new IllegalStateException("the plan asks for endpoint parameter " + parameter + " but notifier-service"
                    + " has no parameter store; set dbrefresh.parameters.backend (ssm on AWS)");
        }
        return store.get().put(parameter, endpoint);
    }
}
