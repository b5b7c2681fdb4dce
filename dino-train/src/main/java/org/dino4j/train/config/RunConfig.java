package org.dino4j.train.config;

/**
 * How the run is carried out ({@code run}); none of these change what is learned beyond float rounding,
 * except {@code precision: bf16}.
 *
 * @param logEvery iterations between log lines (reading the loss is a device sync, so not every step)
 * @param checkpointEvery epochs between checkpoints
 * @param threads intra-op threads of the engine (0 = one per available core)
 * @param maxStepsPerEpoch stop each epoch after this many iterations (0 = full epochs), for quick tests
 * @param kernels the compute kernels: {@code fused} (PyTorch's fused attention) or {@code reference} (explicit
 *     attention); they differ only by float rounding
 * @param precision {@code fp32}, or {@code bf16} for bfloat16 linear layers in the backbone (the one setting here
 *     that changes numerics beyond rounding)
 * @param batchParts the ViT backbones of a step run on this many equal parts of the batch in parallel threads, each
 *     with its share of the intra-op threads (data parallelism inside the step; heads, loss and updates stay whole):
 *     1 = off, 0 = automatic (2 parts when there are at least 2 intra-op threads); batches that do not divide, and
 *     backbones other than a ViT, run whole; up to rounding the same results, except that stochastic depth draws
 *     per part
 */
public record RunConfig(@Range(min = 1) int logEvery,
                        @Range(min = 1) int checkpointEvery,
                        @Range(min = 0) int threads,
                        @Range(min = 0) int maxStepsPerEpoch,
                        KernelsType kernels,
                        Precision precision,
                        @Range(min = 0) int batchParts) {

    /**
     * The number of batch parts this run uses.
     *
     * @param intraOpThreads the intra-op threads in use
     * @return {@link #batchParts()}, or for 0 (automatic) 2 with at least 2 intra-op threads and 1 otherwise
     */
    public int resolvedBatchParts(int intraOpThreads) {
        if (batchParts > 0) {
            return batchParts;
        }
        return intraOpThreads >= 2 ? 2 : 1;
    }
}
