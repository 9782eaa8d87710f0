package dev.dbrefresh.notifier.aws;

import jakarta.inject.Singleton;
import software.amazon.awssdk.services.codepipeline.CodePipelineClient;

/**
 * Starts the plan's deployment pipeline ({@code notifications.pipeline}) after a successful refresh, as
 * the DocumentDB seed did, with
 * <a href="https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_StartPipelineExecution.html">StartPipelineExecution</a>.
 * The request carries {@code clientRequestToken} = the run id (made to fit the API's pattern
 * {@code [a-zA-Z0-9-]+}, at most 128 characters), so a redelivered event does not start a second
 * execution: CodePipeline returns the execution of the first request with that token.
 */
@Singleton
public class PipelineStarter {

    private final CodePipelineClient codePipeline;

    /** @param codePipeline the CodePipeline client */
    public PipelineStarter(CodePipelineClient codePipeline) {
        this.codePipeline = codePipeline;
    }

    /**
     * @param pipeline pipeline name
     * @param runId    the run, the idempotency token
     * @return the pipeline execution id
     * @throws software.amazon.awssdk.services.codepipeline.model.CodePipelineException when CodePipeline refuses
     *         (e.g. {@code PipelineNotFoundException}); retried by the consumer
     */
    public String start(String pipeline, String runId) {
        return codePipeline.startPipelineExecution(r -> r.name(pipeline).clientRequestToken(token(runId)))
                .pipelineExecutionId();
    }

    /**
     * @param runId a run id
     * @return the run id with every character outside {@code [a-zA-Z0-9-]} replaced by {@code -}, cut to 128
     */
    static String token(String runId) {
        String t = runId.replaceAll("[^a-zA-Z0-9-]", "-");
        return t.length() > 128 ? t.substring(0, 128) : t;
    }
}
