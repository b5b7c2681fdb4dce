package org.dino4j.core.target;

import ai.djl.ndarray.NDArray;

/**
 * Turns teacher logits into the target distributions of the self-distillation loss.
 *
 * <p>Implementations may keep state (DINO's centre); it changes only in {@link #update}, never as a side effect of
 * {@link #probabilities}, so computing targets twice gives the same result.
 */
public interface TeacherTargets {

    /**
     * The target distribution for each row, computed without gradient.
     *
     * @param teacherLogits [rows, K] teacher logits (e.g. both global crops, crop-major); also accepted with more
     *     leading axes, [..., K]
     * @param temperature the teacher temperature (e.g. 0.04 to 0.07)
     * @return [rows, K] probabilities, each row summing to 1, with no gradient history
     */
    NDArray probabilities(NDArray teacherLogits, double temperature);

    /**
     * Advances the state with this step's raw teacher logits (the same ones given to {@link #probabilities}). The
     * default does nothing, for stateless methods.
     *
     * @param teacherLogits [rows, K] (or [..., K]) raw teacher logits
     */
    default void update(NDArray teacherLogits) {}
}
