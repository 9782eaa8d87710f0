package dev.dbrefresh.engine.spi;

import dev.dbrefresh.runtime.plan.PlanIdentities;
import dev.dbrefresh.runtime.plan.RefreshPlan;

/**
 * How one family of engines states the identities of a plan's source and target: what the guards compare
 * and the target's lease is keyed by ({@link PlanIdentities}).
 */
public interface IdentityEngine extends EngineSpi {

    /**
     * @param plan a plan of one of {@link #engines()}
     * @return its source's and target's identities
     * @throws PlanIdentities.IdentityUnavailableException when a server cannot be asked (retried; nothing changed)
     */
    PlanIdentities.Identities of(RefreshPlan plan);
}
