package dev.dbrefresh.engine.spi;

import dev.dbrefresh.runtime.plan.PlanIdentities;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import jakarta.inject.Singleton;
import java.util.List;

/** {@link PlanIdentities} of a service: the plan's engine's {@link IdentityEngine}, through the registry. */
@Singleton
public class EngineIdentities implements PlanIdentities {

    private final EngineRegistry<IdentityEngine> engines;

    /** @param engines the identity engines the service hosts */
    public EngineIdentities(List<IdentityEngine> engines) {
        this.engines = new EngineRegistry<>(engines);
    }

    /**
     * @throws IllegalStateException when the service hosts no identity for the plan's engine (plans are
     *                               validated against the engines first, so this is a wiring defect)
     */
    @Override
    public Identities of(RefreshPlan plan) {
        return engines.find(plan.engine()).orElseThrow(() -> new IllegalStateException("no identity engine for '"
                + plan.engine() + "' (hosted: " + engines.served() + ")")).of(plan);
    }
}
