package dev.dbrefresh.reliability.fuzz;

import java.security.SecureRandom;
import net.jqwik.api.lifecycle.AroundPropertyHook;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.lifecycle.PropertyExecutionResult;
import net.jqwik.api.lifecycle.PropertyExecutor;
import net.jqwik.api.lifecycle.PropertyLifecycleContext;

/**
 * The fuzzing's seed: one per JVM, printed before the first property runs, and used by every property of the
 * package, so one line of output ({@code fuzz seed N}) replays the whole fuzzing. {@code -Dfuzz.seed=N} fixes it (to
 * replay a failure: jqwik also prints the seed of a failing property in its report, the same number);
 * {@code -Dfuzz.tries=N} overrides every property's number of tries (default: each property's own, at least 10,000
 * per parser). Registered on each fuzz class with {@code @AddLifecycleHook(FuzzSeed.class)}.
 */
public final class FuzzSeed implements AroundPropertyHook {

    /** The seed of this JVM's fuzzing: {@code -Dfuzz.seed}, else a random one. */
    public static final String SEED = seed();

    private static String seed() {
        String fixed = System.getProperty("fuzz.seed");
        String seed = fixed != null && !fixed.isBlank() ? fixed.trim() : Long.toString(new SecureRandom().nextLong());
        System.out.println("fuzz seed " + seed + (fixed != null && !fixed.isBlank() ? " (fixed by -Dfuzz.seed)"
                : " (replay with -Dfuzz.seed=" + seed + ")"));
        return seed;
    }

    /** Every property of the annotated class, and of its nested containers. */
    @Override
    public PropagationMode propagateTo() {
        return PropagationMode.ALL_DESCENDANTS;
    }

    @Override
    public PropertyExecutionResult aroundProperty(PropertyLifecycleContext context, PropertyExecutor property) {
        context.attributes().setSeed(SEED);
        String tries = System.getProperty("fuzz.tries");
        if (tries != null && !tries.isBlank()) {
            context.attributes().setTries(Integer.parseInt(tries.trim()));
        }
        return property.execute();
    }
}
