package dev.dbrefresh.notifier.aws;

import dev.dbrefresh.runtime.aws.AwsClientFactory;
import io.micronaut.context.annotation.Bean;
import io.micronaut.context.annotation.Factory;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import software.amazon.awssdk.services.codepipeline.CodePipelineClient;

/**
 * The AWS clients only notifier-service uses, configured by {@link AwsClientFactory}
 * ({@code aws.services.codepipeline.endpoint-override}).
 */
@Factory
public class NotifierClientFactory {

    private final AwsClientFactory clients;

    /** @param clients the common client configuration */
    public NotifierClientFactory(AwsClientFactory clients) {
        this.clients = clients;
    }

    /**
     * @param endpoint CodePipeline endpoint override, or empty for AWS
     * @return the client {@link PipelineStarter} starts the plan's deployment pipeline with
     */
    @Singleton
    @Bean(preDestroy = "close")
    public CodePipelineClient codePipelineClient(
            @Nullable @Value("${aws.services.codepipeline.endpoint-override:}") String endpoint) {
        return clients.configure(CodePipelineClient.builder(), endpoint, false).build();
    }
}
