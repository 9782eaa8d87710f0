package dev.dbrefresh.engine.rds;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.dbrefresh.runtime.plan.PlanCatalog;
import dev.dbrefresh.runtime.plan.RefreshPlan;
import java.nio.file.Path;

/**
 * The plan {@code p} of the cluster engines' data-plane tests ({@code AuroraPostgresSafetyTest},
 * {@code MySqlSafetyTest}, {@code ClusterUsersEngineTest}), parsed by {@link PlanCatalog}: source {@code prod-cluster} in account
 * {@code 111111111111}, target {@code target-cluster} in {@code 222222222222} (both {@code eu-west-1}), the master
 * password from {@code env:MASTER_PW}; for the safety tests a {@code sanitize} section with the key from
 * {@code env:MASK_KEY}.
 */
public final class ClusterTestPlans {

    private ClusterTestPlans() {
    }

    /**
     * @param engine         {@code aurora-postgresql} or {@code aurora-mysql}
     * @param masterUsername the target's master user
     * @param database       the target database (the test's own)
     * @param keepRole       the one role isolation keeps ({@code sanitize.keep-roles})
     * @param masks          the {@code sanitize.masks} list as YAML (a flow {@code [...]} or block {@code - ...} lines,
     *                       at any indentation)
     * @return the parsed plan {@code p}
     * @throws Exception when the plan does not parse (the parser's message names what is wrong)
     */
    public static RefreshPlan withSanitize(String engine, String masterUsername, String database, String keepRole,
            String masks) throws Exception {
        return parse(engine, masterUsername, database, "", """
                sanitize:
                  key-secret: env:MASK_KEY
                  keep-roles: [%s]
                  masks:
                """.formatted(keepRole) + masks.stripIndent().indent(4));
    }

    /**
     * @param engine         {@code aurora-postgresql}, {@code aurora-mysql} or another cluster engine
     * @param masterUsername the target's master user
     * @param database       the target database (the test's own)
     * @param target         more keys of {@code target} as YAML lines (at any indentation; may be empty)
     * @param rest           the plan's other keys ({@code users}, {@code sanitize}, ...) as YAML lines (at any
     *                       indentation)
     * @return the parsed plan {@code p}
     * @throws Exception when the plan does not parse (the parser's message names what is wrong)
     */
    public static RefreshPlan parse(String engine, String masterUsername, String database, String target, String rest)
            throws Exception {
        String yaml = """
                plans:
                  p:
                    engine: %s
                    source: {account: '111111111111', region: eu-west-1, cluster: prod-cluster}
                    target:
                      account: '222222222222'
                      region: eu-west-1
                      cluster: target-cluster
                      subnet-group: sg
                      instance-class: db.r6g.large
                      master-username: %s
                      master-password-secret: env:MASTER_PW
                      database: %s
                """.formatted(engine, masterUsername, database) + target.stripIndent().indent(6)
                + rest.stripIndent().indent(4);
        return PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree(yaml), Path.of(".")).require("p");
    }
}
