package dev.dbrefresh.runtime.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dbrefresh.contracts.DbRefreshEvent;
import dev.dbrefresh.contracts.EventCodec;
import dev.dbrefresh.contracts.RefreshFailed;
import dev.dbrefresh.runtime.lease.InMemoryLeaseStore;
import dev.dbrefresh.runtime.params.InMemoryParameterStore;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.runtime.plan.PlanIdentities;
import dev.dbrefresh.runtime.plan.PlanResolver;
import dev.dbrefresh.runtime.plan.RunChecks;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * What a {@code *Step} needs, all in memory, so a step's unit test runs without ElasticMQ, DynamoDB Local or a
 * database: the plans from a YAML string, an in-memory parameter store (also the source of per-run plan values,
 * {@code /dbrefresh/plans/<plan>/...}), an in-memory lease store, identities that a test sets, and the
 * {@link RunChecks} over them. {@link #context} gives a {@link RecordingContext} that keeps every audit entry and
 * event.
 */
public final class StepFixture {

    /**
     * Two postgres plans: {@code shop} (a valid target) and {@code guarded}, whose target matches its own
     * protected pattern.
     */
    public static final String PLANS = """
            plans:
              shop:
                source: {database: shop_production}
                target: {database: shop_acceptance}
                guards: {protected-patterns: ["(?i).*_live"]}
              guarded:
                source: {database: shop_production}
                target: {database: shop_live}
                guards: {protected-patterns: ["(?i).*_live"]}
            """;

    /** The source's identity key the identities return. */
    public static final String SOURCE_KEY = "postgres://1/source";
    /** The target's identity key the identities return: the lease key. */
    public static final String TARGET_KEY = "postgres://1/target";

    /** Parameters (latest/current, per-run plan values). */
    public final InMemoryParameterStore parameters = new InMemoryParameterStore();
    /** Target leases. */
    public final InMemoryLeaseStore leases = new InMemoryLeaseStore();
    /** How often the identities were asked. */
    public int identityCalls;
    /** The identities' answer; a test may replace it (e.g. to make the target the source). */
    public PlanIdentities.Identities identities = new PlanIdentities.Identities(
            new PlanIdentities.Identity(SOURCE_KEY, null), new PlanIdentities.Identity(TARGET_KEY, null));
    /** Plans, resolved with the parameter store's per-run values. */
    public final PlanResolver plans;
    /** The checks every step runs first. */
    public final RunChecks checks;

    /** @param plansYaml a plans file's content */
    public StepFixture(String plansYaml) {
        PlanCatalog catalog;
        try {
            catalog = PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree(plansYaml), Path.of("/tmp"));
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
        plans = new PlanResolver(catalog, () -> parameters, name -> null);
        PlanIdentities ids = plan -> {
            identityCalls++;
            return identities;
        };
        checks = new RunChecks(plans, ids, leases, 6);
    }

    /**
     * @param runId the run
     * @param plan  the plan the event names
     * @param cause the event handled
     * @return a context that records audit entries and events
     */
    public RecordingContext context(String runId, String plan, DbRefreshEvent cause) {
        return new RecordingContext(runId, plan, cause);
    }

    /**
     * @param rec a context a step handled an event with
     * @return the {@code refresh.failed} it published, if any
     */
    public static Optional<RefreshFailed> failure(RecordingContext rec) {
        return events(rec, RefreshFailed.class).stream().findFirst();
    }

    /**
     * @param rec  a context a step handled an event with
     * @param type an event record type
     * @param <T>  that type
     * @return the events of that type it published (or sent delayed), in order
     */
    public static <T extends DbRefreshEvent> List<T> events(RecordingContext rec, Class<T> type) {
        return rec.published.stream().map(EventCodec::payload).filter(type::isInstance).map(type::cast).toList();
    }
}
