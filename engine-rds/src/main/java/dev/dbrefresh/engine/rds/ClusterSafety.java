package dev.dbrefresh.engine.rds;

import dev.dbrefresh.contracts.StepName;
import dev.dbrefresh.runtime.audit.AuditLog;
import dev.dbrefresh.runtime.audit.AuditStatus;
import dev.dbrefresh.runtime.messaging.StepContext;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import dev.dbrefresh.runtime.plan.SanitizeSettings;
import dev.dbrefresh.runtime.plan.UserSpec;
import dev.dbrefresh.runtime.secrets.SecretResolver;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;

/** What the cluster engines' safety steps share: who is spared, and masking once per run with the plan's key. */
public final class ClusterSafety {

    private ClusterSafety() {
    }

    /** The masks of one engine, given the resolved key (cleared after the call). */
    @FunctionalInterface
    public interface Masking {
        /**
         * @param key the HMAC key, or {@code null} when no mask is keyed
         * @throws Exception what the masking threw
         */
        void mask(char[] key) throws Exception;
    }

    /**
     * @param plan a cluster plan
     * @return the accounts isolation never locks: the master user, the plan's users and {@code keep-roles}
     */
    public static Set<String> spared(RefreshPlan plan) {
        Set<String> spared = new TreeSet<>(plan.cluster().sanitize().keepRoles());
        spared.add(plan.cluster().masterUsername());
        plan.users().stream().map(UserSpec::name).forEach(spared::add);
        return spared;
    }

    /**
     * Runs the masks unless the plan has none or this run already masked (a redelivery must not mask masked
     * values again), recording a skip otherwise.
     *
     * @param s       the plan's sanitize settings
     * @param secrets resolves {@code key-secret}
     * @param audit   the audit log
     * @param ctx     this delivery
     * @param masking the engine's masks
     * @throws Exception what the masking threw
     */
    public static void maskOnce(SanitizeSettings s, SecretResolver secrets, AuditLog audit, StepContext ctx,
            Masking masking) throws Exception {
        boolean masked = audit.entries(ctx.runId()).stream()
                .anyMatch(e -> e.isStep(StepName.SANITIZE) && e.is(AuditStatus.SUCCEEDED));
        if (!s.masking()) {
            ctx.skipped(StepName.SANITIZE, "the plan has no sanitize.masks: nothing was masked");
            return;
        }
        if (masked) {
            ctx.skipped(StepName.SANITIZE, "already masked in this run; masks are not applied twice");
            return;
        }
        char[] key = s.keySecret() == null ? null : secrets.resolve(s.keySecret());
        try {
            masking.mask(key);
        } finally {
            if (key != null) {
                Arrays.fill(key, '\0');
            }
        }
    }
}
