package org.dino4j.train.objective;

import ai.djl.ndarray.NDArray;

/**
 * What a loss term may look at in one training step. Arrays live in the step's scope; student arrays carry gradient.
 *
 * @param studentCls [nCrops*B, D] student backbone CLS features (after the final norm, before the head), crop-major,
 *     global crops first
 * @param studentLogits [nCrops*B, K] student head outputs, crop-major
 * @param teacherLogits [nGlobal*B, K] teacher head outputs of the global crops, in crop order (no gradient)
 * @param teacherTargets [nGlobal*B, K] teacher targets of the CLS objective (no gradient)
 * @param globalCrops number of global crops (2)
 * @param batchSize images per crop B
 * @param epoch the epoch (0-based)
 * @param iteration the global iteration (0-based)
 */
public record StepOutputs(NDArray studentCls, NDArray studentLogits, NDArray teacherLogits, NDArray teacherTargets,
                          int globalCrops, int batchSize, int epoch, long iteration) {

    /** Number of crops the student saw. */
    public int crops() {
        return Math.toIntExact(studentCls.getShape().get(0) / batchSize);
    }
}
