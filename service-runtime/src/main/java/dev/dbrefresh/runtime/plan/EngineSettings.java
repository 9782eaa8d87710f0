package dev.dbrefresh.runtime.plan;

/**
 * The engine-specific part of a plan: which source and target it names and how the engine reaches them. One
 * implementation per engine family, so a plan carries exactly one and code asks for it by type
 * ({@code plan.settings() instanceof ClusterSettings c}) instead of reading fields that are {@code null} for
 * other engines. These are the plan's identity keys: they come from the plans file only, never from a run's
 * values (the knobs a run may set are {@link PlanResolver#KNOBS}, plus the allowed choices of
 * {@link PlanResolver#CHOICES}).
 */
public sealed interface EngineSettings permits PostgresSettings, ClusterSettings, DynamoDbSettings,
        MongoSettings {

    /** @return the target's display id, e.g. {@code postgres://host:5432/db} or {@code rds://account/region/cluster} */
    String targetId();

    /** @return the source's display id, as {@link #targetId()} */
    String sourceId();
}
