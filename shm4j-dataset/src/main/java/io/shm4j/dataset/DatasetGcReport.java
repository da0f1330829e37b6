package io.shm4j.dataset;

import java.util.List;

/**
 * What a dataset gc removed (or, on a dry run, would remove).
 *
 * @param removed segment names: versions that are not current, leftovers of writers that died
 *     mid-publish, staging files of dead writers, versions of datasets that no longer exist
 * @param busy datasets skipped because a live writer held the lock
 * @param bytes bytes the removed segments held
 * @param dryRun true if nothing was removed
 */
public record DatasetGcReport(List<String> removed, List<String> busy, long bytes, boolean dryRun) {
    public DatasetGcReport {
        removed = List.copyOf(removed);
        busy = List.copyOf(busy);
    }
}
