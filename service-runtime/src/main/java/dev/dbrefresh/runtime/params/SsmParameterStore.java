package dev.dbrefresh.runtime.params;

import io.micronaut.context.annotation.Requires;
import jakarta.inject.Singleton;
import java.util.Optional;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.ssm.model.ParameterNotFoundException;
import software.amazon.awssdk.services.ssm.model.ParameterType;

/**
 * SSM Parameter Store ({@code GetParameter}, {@code PutParameter} with {@code Overwrite}); String
 * parameters, as the DocumentDB seed's latest/current snapshot parameters.
 */
@Singleton
@Requires(property = "dbrefresh.parameters.backend", value = "ssm")
public class SsmParameterStore implements ParameterStore {

    private final SsmClient ssm;

    /** @param ssm the SSM client */
    public SsmParameterStore(SsmClient ssm) {
        this.ssm = ssm;
    }

    @Override
    public Optional<String> get(String name) {
        try {
            return Optional.of(ssm.getParameter(r -> r.name(name)).parameter().value());
        } catch (ParameterNotFoundException e) {
            return Optional.empty();
        }
    }

    @Override
    public java.util.Map<String, String> getByPath(String prefix) {
        // GetParametersByPath, recursive, all pages (https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParametersByPath.html)
        java.util.Map<String, String> values = new java.util.TreeMap<>();
        ssm.getParametersByPathPaginator(r -> r.path(prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix)
                .recursive(true)).stream().flatMap(page -> page.parameters().stream())
                .forEach(p -> values.put(p.name(), p.value()));
        return values;
    }

    @Override
    public long put(String name, String value) {
        return ssm.putParameter(r -> r.name(name).value(value).type(ParameterType.STRING).overwrite(true)).version();
    }
}
