package org.dino4j.train.config;

/**
 * How the run is carried out ({@code run}); none of these change what is learned.
 *
 * @param logEvery iterations between log lines (reading the loss is a device sync, so not every step)
 * @param checkpointEvery epochs between checkpoints
 * @param threads intra-op threads of the engine (0 = one per available core)
 * @param maxStepsPerEpoch stop each epoch after this many iterations (0 = full epochs), for quick tests
 */
public record RunConfig(@Range(min = 1) int logEvery,
                        @Range(min = 1) int checkpointEvery,
                        @Range(min = 0) int threads,
                        @Range(min = 0) int maxStepsPerEpoch) {}
