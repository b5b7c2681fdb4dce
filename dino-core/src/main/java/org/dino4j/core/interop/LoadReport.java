package org.dino4j.core.interop;

import java.util.List;

/**
 * The outcome of {@link OfficialCheckpoints#load}.
 *
 * @param loaded the model's tensors that were set, in state-dict order (all of them: nothing may be missing)
 * @param ignored checkpoint tensors the model does not have (empty under {@link Strictness#STRICT})
 */
public record LoadReport(List<String> loaded, List<String> ignored) {

    /** Copies the lists. */
    public LoadReport {
        loaded = List.copyOf(loaded);
        ignored = List.copyOf(ignored);
    }
}
