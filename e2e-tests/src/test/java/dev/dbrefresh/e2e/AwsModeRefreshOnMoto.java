package dev.dbrefresh.e2e;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;

/**
 * {@link AwsModeRefreshBehaviour} on moto ({@code moto_server} on the PATH; aborted with the reason where it is not).
 * Not an {@code *IT} of its own: {@link AwsModeRefreshParameterisationIT} runs it, once, through the same accessor
 * the LocalStack container subclass uses.
 */
class AwsModeRefreshOnMoto extends AwsModeRefreshBehaviour {

    @Override
    protected AwsEmulator emulator(Path workDir) throws Exception {
        assumeTrue(MotoStack.available(), "moto_server is not on the PATH: the AWS-mode end-to-end tests need it");
        return MotoStack.start(workDir.resolve("moto.log"));
    }
}
