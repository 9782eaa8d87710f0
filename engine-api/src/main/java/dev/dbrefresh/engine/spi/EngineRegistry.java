package dev.dbrefresh.engine.spi;

import dev.dbrefresh.contracts.Engine;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one place a step finds the implementation for a plan's engine: built from the beans of one SPI that
 * a service hosts (its engine modules), keyed by {@link EngineSpi#engines()}. No code outside it compares
 * engine ids.
 *
 * @param <T> the SPI, e.g. {@link SnapshotEngine}
 */
public final class EngineRegistry<T extends EngineSpi> {

    private final Map<Engine, T> byEngine = new EnumMap<>(Engine.class);

    /**
     * @param implementations the SPI's implementations a service hosts
     * @throws IllegalStateException when two implementations claim one engine (a wiring defect)
     */
    public EngineRegistry(List<T> implementations) {
        for (T impl : implementations) {
            for (Engine engine : impl.engines()) {
                T earlier = byEngine.putIfAbsent(engine, impl);
                if (earlier != null) {
                    throw new IllegalStateException("engine " + engine.id() + " is served twice: by "
                            + earlier.getClass().getName() + " and by " + impl.getClass().getName());
                }
            }
        }
    }

    /**
     * @param engine an engine
     * @return its implementation, or empty when the service hosts none for it
     */
    public Optional<T> find(Engine engine) {
        return Optional.ofNullable(byEngine.get(engine));
    }

    /**
     * @param engineId an engine id as a plan or event spells it
     * @return its implementation, or empty when the id is unknown or the service hosts none for it
     */
    public Optional<T> find(String engineId) {
        return Engine.of(engineId).flatMap(this::find);
    }

    /** @return the engines served, in declaration order */
    public java.util.Set<Engine> served() {
        return java.util.Collections.unmodifiableSet(byEngine.keySet());
    }
}
