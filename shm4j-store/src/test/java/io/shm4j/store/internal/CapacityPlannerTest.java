package io.shm4j.store.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.shm4j.store.ObjectStoreFullException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class CapacityPlannerTest {

    @Test
    void shouldPlanNothingWhenTheObjectFits() {
        var plan = CapacityPlanner.plan("s", 100, 30, List.of(c("a", 50, 1, false)), 10);
        assertThat(plan.victims()).isEmpty();
        assertThat(plan.used()).isEqualTo(60);
    }

    @Test
    void shouldCountReservationsAsPinned() {
        assertThatThrownBy(() -> CapacityPlanner.plan("s", 100, 30, List.of(c("a", 50, 1, false)), 80))
                .isInstanceOfSatisfying(ObjectStoreFullException.class, e -> {
                    assertThat(e.pinned()).isEqualTo(80);
                    assertThat(e.used()).isEqualTo(130);
                });
    }

    @Property(tries = 300)
    void shouldFreeTheLeastRecentlyUsedUnpinnedObjectsUntilTheRequestFits(
            @ForAll("residents") List<CapacityPlanner.Candidate> residents,
            @ForAll @LongRange(min = 0, max = 400) long requested,
            @ForAll @LongRange(min = 0, max = 100) long pending,
            @ForAll @LongRange(min = 1, max = 1000) long capacity) {
        long used = pending + residents.stream().mapToLong(CapacityPlanner.Candidate::size).sum();
        long pinned = pending + residents.stream().filter(CapacityPlanner.Candidate::pinned)
                .mapToLong(CapacityPlanner.Candidate::size).sum();
        CapacityPlanner.Plan plan;
        try {
            plan = CapacityPlanner.plan("s", capacity, requested, residents, pending);
        } catch (ObjectStoreFullException e) {
            assertThat(pinned + requested).as("full only when pinned objects leave no room").isGreaterThan(capacity);
            assertThat(used + requested).isGreaterThan(capacity);
            return;
        }
        List<CapacityPlanner.Candidate> lru = new ArrayList<>(residents.stream().filter(c -> !c.pinned()).toList());
        lru.sort(Comparator.comparingLong(CapacityPlanner.Candidate::lastAccessNanos)
                .thenComparing(CapacityPlanner.Candidate::name));
        assertThat(plan.victims()).as("a prefix of the LRU order").isEqualTo(lru.subList(0, plan.victims().size()));
        long after = used - plan.victims().stream().mapToLong(CapacityPlanner.Candidate::size).sum();
        assertThat(after + requested).isLessThanOrEqualTo(capacity);
        if (!plan.victims().isEmpty()) {
            long withoutLast = after + plan.victims().getLast().size();
            assertThat(withoutLast + requested).as("no more victims than needed").isGreaterThan(capacity);
        }
    }

    @Provide
    Arbitrary<List<CapacityPlanner.Candidate>> residents() {
        Arbitrary<CapacityPlanner.Candidate> one = Combinators.combine(
                Arbitraries.strings().alpha().ofLength(6),
                Arbitraries.longs().between(0, 200),
                Arbitraries.longs().between(0, 50),
                Arbitraries.of(true, false)).as(CapacityPlanner.Candidate::new);
        return one.list().ofMaxSize(12).uniqueElements(CapacityPlanner.Candidate::name);
    }

    private static CapacityPlanner.Candidate c(String name, long size, long at, boolean pinned) {
        return new CapacityPlanner.Candidate(name, size, at, pinned);
    }
}
