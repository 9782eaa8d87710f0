package dev.dbrefresh.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@link Parameterisation} passes the shape it asks for and fails each way of breaking it. */
class ParameterisationTest {

    abstract static class Behaviour {
        protected abstract int server();

        @Test
        void serverIsPositive() {
            assertThat(server()).isPositive();
        }
    }

    static class Here extends Behaviour {
        @Override
        protected int server() {
            return 1;
        }
    }

    static class BrokenHere extends Behaviour {
        @Override
        protected int server() {
            return -1;
        }
    }

    @ContainerTest
    static class InContainer extends Behaviour {
        @Override
        protected int server() {
            return 2;
        }
    }

    static class NotMarked extends Behaviour {
        @Override
        protected int server() {
            return 2;
        }
    }

    @ContainerTest
    static class WithOwnTest extends Behaviour {
        @Override
        protected int server() {
            return 2;
        }

        @Test
        void onlyInTheContainer() {
        }
    }

    @Test
    void run_shouldPass_whenTheMachineSubclassPassesEveryBehaviour() {
        assertThat(Parameterisation.runHereWhatTheContainerRuns(Here.class, InContainer.class))
                .containsExactly("serverIsPositive");
    }

    @Test
    void run_shouldFail_whenABehaviourFailsHere() {
        assertThatThrownBy(() -> Parameterisation.runHereWhatTheContainerRuns(BrokenHere.class, InContainer.class))
                .isInstanceOf(AssertionError.class).hasMessageContaining("not passed [serverIsPositive")
                .cause().hasMessageContaining("-1");
    }

    @Test
    void run_shouldFail_whenTheShapeIsWrong() {
        assertThatThrownBy(() -> Parameterisation.runHereWhatTheContainerRuns(Here.class, NotMarked.class))
                .hasMessageContaining("NotMarked lacks @ContainerTest");
        assertThatThrownBy(() -> Parameterisation.runHereWhatTheContainerRuns(Here.class, WithOwnTest.class))
                .hasMessageContaining("WithOwnTest declares tests of its own [onlyInTheContainer]");
        assertThatThrownBy(() -> Parameterisation.runHereWhatTheContainerRuns(Here.class, SourceTextTest.class))
                .hasMessageContaining("must extend the same abstract behaviour class");
    }
}
