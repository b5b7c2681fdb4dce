package org.dino4j.train.objective;

import ai.djl.ndarray.NDArray;

/**
 * A student-side loss term added to the DINO objective (the extension point for losses): KoLeo is one; users add
 * their own by implementing {@link LossTermProvider}.
 *
 * <p>Contract (checked by the contract test for every registered term): {@link #compute} returns a finite scalar
 * that is differentiable with respect to the student's arrays, does not change any state, and leaves no arrays
 * outside the step scope (use the inputs' manager). State, if any, changes only in {@link #afterStep}.
 */
public interface LossTerm {

    /**
     * The unweighted value of the term.
     *
     * @param outputs the step's outputs
     * @return a scalar in the step scope
     */
    NDArray compute(StepOutputs outputs);

    /**
     * Explicit state update after the loss has been computed (default: none).
     *
     * @param outputs the step's outputs
     */
    default void afterStep(StepOutputs outputs) {}
}
