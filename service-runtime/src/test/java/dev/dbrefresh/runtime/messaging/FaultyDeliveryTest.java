package dev.dbrefresh.runtime.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link FaultyDelivery}: off unless a seed is set; on, 1..max copies with bounded delays, replayable by seed. */
class FaultyDeliveryTest {

    @Test
    void copies_shouldBeOneWithTheAskedDelay_whenNoSeedIsSet() {
        FaultyDelivery off = new FaultyDelivery("", 3, 4, "cluster-service");
        assertThat(off.isOn()).isFalse();
        assertThat(off.copies("q", "e1", "t", 7)).containsExactly(7);
        assertThat(FaultyDelivery.OFF.copies("q", "e1", "t", 0)).containsExactly(0);
    }

    @Test
    void copies_shouldStayWithinTheBounds_andRepeatForTheSameSeed() {
        List<List<Integer>> first = draw("42");
        assertThat(first).allSatisfy(c -> {
            assertThat(c).hasSizeBetween(1, 3);
            assertThat(c).allSatisfy(d -> assertThat(d).isBetween(10, 14));
        });
        // Over 200 draws every number of copies occurs, and some copies overtake earlier ones.
        assertThat(first).extracting(List::size).contains(1, 2, 3);
        assertThat(first).anySatisfy(c -> assertThat(c).isNotEqualTo(c.stream().sorted().toList()));
        assertThat(draw("42")).isEqualTo(first);
        assertThat(draw("43")).isNotEqualTo(first);
    }

    @Test
    void constructor_shouldSayWhatIsWrong_whenTheSeedIsNotANumber() {
        assertThatThrownBy(() -> new FaultyDelivery("abc", 3, 4, "s")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("fault-injection.seed must be a whole number").hasMessageContaining("'abc'");
        assertThatThrownBy(() -> new FaultyDelivery("1", 0, 4, "s")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("max-copies must be at least 1");
    }

    private static List<List<Integer>> draw(String seed) {
        FaultyDelivery on = new FaultyDelivery(seed, 3, 4, "users-service");
        List<List<Integer>> out = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            out.add(on.copies("dbrefresh-notifier", "e" + i, "dbrefresh.users.applied.v1", 10));
        }
        return out;
    }
}
