package dev.dbrefresh.engine.mongodb;

import dev.dbrefresh.engine.postgres.sanitize.SanitizeException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoDatabase;
import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.SanitizeSettings;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.bson.BsonValue;

/**
 * The {@code mongodb} engine's safety steps in a {@code replace} restore, run by {@link MongoRestorer} once every
 * collection is staged and before the first rename ({@link MongoRestorer.Listener#beforeRenames}), each its own
 * audit step:
 * <ol>
 *   <li>{@code isolate} ({@code sanitize.isolation}, on by default): {@link MongoUserIsolation};</li>
 *   <li>{@code sanitize} and {@code verify-masks} (plans with masks): {@link MongoMasker} on the staging collections.
 *       Each masked collection's progress marker goes {@code staged → masking → masked}, so a redelivery never masks
 *       a masked collection twice (a collection interrupted while masking is staged again from the dump).</li>
 * </ol>
 * A refusal is a {@link SanitizeException}; nothing has been renamed then.
 */
final class MongoSafety implements MongoRestorer.Listener {

    private final MongoClient client;
    private final SanitizeSettings settings;
    private final MongoMasker masker;
    private final Set<String> spared;
    private final Set<String> dumped;
    private final Set<String> views;
    private final String restoreId;
    private final StepContext ctx;

    /**
     * @param client         a client connected as the target user
     * @param settings       the plan's sanitize settings
     * @param key            the HMAC key, or {@code null}; not kept, the caller clears it
     * @param batchDocuments most updates in one bulk write
     * @param spared         users isolation leaves alone ({@code keep-roles} are added)
     * @param dump           the dump being restored
     * @param restoreId      the restore id (its progress markers)
     * @param ctx            the audit of this delivery
     */
    MongoSafety(MongoClient client, SanitizeSettings settings, char[] key, int batchDocuments, Collection<String> spared,
            DumpDirectory dump, String restoreId, StepContext ctx) {
        this.client = Objects.requireNonNull(client, "client");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.masker = new MongoMasker(settings, key, batchDocuments);
        Set<String> all = new TreeSet<>(spared);
        all.addAll(settings.keepRoles());
        this.spared = Set.copyOf(all);
        Set<String> data = new TreeSet<>();
        Set<String> viewNames = new TreeSet<>();
        dump.entries().forEach(c -> (c.metadata().isView() ? viewNames : data).add(c.name()));
        this.dumped = Set.copyOf(data);
        this.views = Set.copyOf(viewNames);
        this.restoreId = restoreId;
        this.ctx = Objects.requireNonNull(ctx, "ctx");
    }

    @Override
    public void beforeRenames(MongoDatabase target, List<String> pending) {
        if (settings.isolation()) {
            step(StepName.ISOLATE, () -> new MongoUserIsolation(spared).isolate(client, target.getName()),
                    MongoUserIsolation.Findings::describe);
        } else {
            ctx.skipped(StepName.ISOLATE, "sanitize.isolation: false in the plan; the database's users were left as"
                    + " they were");
        }
        if (settings.masks().isEmpty()) {
            ctx.skipped(StepName.SANITIZE, "the plan has no sanitize.masks: nothing was masked");
            return;
        }
        ProgressStore progress = new ProgressStore(target, restoreId);
        Masked masked = step(StepName.SANITIZE, () -> {
            List<MongoMasker.Target> all = masker.check(target, dumped, views);
            List<MongoMasker.Target> todo = new ArrayList<>();
            List<String> before = new ArrayList<>();
            for (MongoMasker.Target t : all) {
                if (pending.contains(t.name()) && !ProgressStore.MASKED.equals(progress.state(t.name()))) {
                    todo.add(t);
                } else {
                    before.add(t.name());
                }
            }
            Map<String, List<BsonValue>> samples = masker.sample(target, todo);
            todo.forEach(t -> progress.setState(t.name(), ProgressStore.MASKING));
            return new Masked(all, todo, before, samples, masker.apply(target, todo));
        }, m -> "masked in the staging collections before the renames: " + (m.done().isEmpty() ? "nothing left to do"
                : String.join("; ", m.done())) + (m.before().isEmpty() ? ""
                : "; masked by an earlier delivery of this run: " + m.before()));
        step(StepName.VERIFY_MASKS, () -> masker.verify(target, masked.all().stream()
                .filter(t -> pending.contains(t.name())).toList(), masked.samples()),
                d -> "no unmasked value left: " + String.join("; ", d));
        masked.todo().forEach(t -> progress.setState(t.name(), ProgressStore.MASKED));
    }

    private record Masked(List<MongoMasker.Target> all, List<MongoMasker.Target> todo, List<String> before,
            Map<String, List<BsonValue>> samples, List<String> done) {
    }

    private <T> T step(StepName step, Callable<T> body, java.util.function.Function<T, String> describe) {
        try {
            return ctx.step(step, body, describe);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new MongoEngineException(null, null, step.id() + " failed: " + e.getMessage(), e);
        }
    }
}
