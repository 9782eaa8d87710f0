package dev.dbrefresh.engine.spi;

import dev.dbrefresh.contracts.Engine;
import java.util.Set;

/**
 * What every engine implementation of a step says about itself: the engines it serves. The
 * {@link EngineRegistry} of a step picks the implementation by the plan's engine through it.
 */
public interface EngineSpi {

    /** @return the engines this implementation serves, never empty */
    Set<Engine> engines();
}
