package dev.dbrefresh.runtime.params;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A {@link ParameterStore} in memory, with SSM's semantics as dbrefresh uses them: {@link #put} returns the
 * parameter's new version (1 for a new name, then +1 per write, as SSM {@code PutParameter} with
 * {@code Overwrite}); {@link #getByPath} returns every parameter under the prefix, recursively (SSM
 * {@code GetParametersByPath} with {@code Recursive}, https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_GetParametersByPath.html).
 * For the steps' unit tests and anything else that must not need a database or AWS; not a bean.
 */
public final class InMemoryParameterStore implements ParameterStore {

    private final Map<String, String> values = new TreeMap<>();
    private final Map<String, Long> versions = new TreeMap<>();

    @Override
    public synchronized Optional<String> get(String name) {
        return Optional.ofNullable(values.get(name));
    }

    @Override
    public synchronized long put(String name, String value) {
        values.put(name, value);
        return versions.merge(name, 1L, Long::sum);
    }

    /**
     * @param name a parameter name
     * @return its newest version, 0 when it was never written
     */
    public synchronized long version(String name) {
        return versions.getOrDefault(name, 0L);
    }

    @Override
    public synchronized Map<String, String> getByPath(String prefix) {
        Map<String, String> found = new TreeMap<>();
        values.forEach((name, value) -> {
            if (name.startsWith(prefix)) {
                found.put(name, value);
            }
        });
        return found;
    }
}
