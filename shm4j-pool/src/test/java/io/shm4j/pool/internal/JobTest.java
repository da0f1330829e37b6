package io.shm4j.pool.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.shm4j.pool.ProgressEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobTest {
    @Test
    void shouldKeepTheConsoleBarOffWhenStderrIsNotATerminal() {
        // surefire pipes stderr: no bar even when asked for
        assertThat(Job.stderrIsTerminal()).isFalse();
        try (Job job = new Job("map", 3, null, true)) {
            assertThat(job.tracked()).isFalse();
        }
    }

    @Test
    void shouldReportDoneTotalRateAndEta() {
        List<ProgressEvent> events = new ArrayList<>();
        try (Job job = new Job("imap", -1, events::add, false)) {
            job.taskDone();
            assertThat(events.getLast().eta()).isNull(); // total unknown yet
            job.total(2);
            job.taskDone();
        }
        ProgressEvent last = events.getLast();
        assertThat(last.done()).isEqualTo(2);
        assertThat(last.total()).isEqualTo(2);
        assertThat(last.finished()).isTrue();
        assertThat(last.eta()).isZero();
        assertThat(last.ratePerSecond()).isPositive();
    }
}
