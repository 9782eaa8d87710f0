package dev.dbrefresh.runtime.plan;

import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Value;
import jakarta.inject.Singleton;
import java.nio.file.Path;

/** Loads the plans file named by {@code dbrefresh.plans-file} (env {@code DBREFRESH_PLANS_FILE}). */
@Factory
public class PlanCatalogFactory {

    /**
     * @param file the plans file
     * @return the validated plans
     * @throws PlanException when the file is missing or a plan is invalid (the service does not start)
     */
    @Singleton
    public PlanCatalog planCatalog(@Value("${dbrefresh.plans-file}") String file) {
        return PlanCatalog.load(Path.of(file));
    }
}
