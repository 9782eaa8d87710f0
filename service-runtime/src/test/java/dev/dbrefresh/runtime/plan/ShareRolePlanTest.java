package dev.dbrefresh.runtime.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ShareRolePlanTest {

    @Test
    void shareRoleArn_shouldBeRead_whenItIsARoleOfTheSourceAccount() {
        RefreshPlan plan = parse("share-from-source: true, share-role-arn: \"arn:aws:iam::111111111111:role/share\"");

        assertThat(plan.cluster().shareRoleArn()).isEqualTo("arn:aws:iam::111111111111:role/share");
    }

    @Test
    void shareRoleArn_shouldBeRefused_whenItBelongsToAnotherAccount() {
        assertThatThrownBy(() -> parse("share-from-source: true, share-role-arn: \"arn:aws:iam::222222222222:role/share\""))
                .isInstanceOf(PlanException.class).hasMessageContaining("source account 111111111111");
    }

    @Test
    void shareRoleArn_shouldBeRefused_withoutShareFromSource() {
        assertThatThrownBy(() -> parse("share-role-arn: \"arn:aws:iam::111111111111:role/share\""))
                .isInstanceOf(PlanException.class).hasMessageContaining("share-from-source");
    }

    @Test
    void shareRoleArn_shouldBeRefused_whenItIsNotARoleArn() {
        assertThatThrownBy(() -> parse("share-from-source: true, share-role-arn: \"dbrefresh-share\""))
                .isInstanceOf(PlanException.class).hasMessageContaining("not an IAM role ARN");
    }

    private static RefreshPlan parse(String sourceExtra) {
        try {
            return PlanCatalog.parse(new ObjectMapper(new YAMLFactory()).readTree("""
                    plans:
                      aurora:
                        engine: aurora-postgresql
                        source: {account: "111111111111", region: eu-west-1, cluster: prod, %s}
                        target: {account: "222222222222", cluster: acc, subnet-group: acc, instance-class: db.r6g.large,
                                 kms-key-id: "arn:aws:kms:eu-west-1:222222222222:key/abc"}
                    """.formatted(sourceExtra)), Path.of("/tmp")).require("aurora");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
