package org.dino4j.core.schedule;

/**
 * A scalar hyper-parameter as a function of the training step.
 *
 * <p>What a step is depends on the schedule: the official learning-rate, weight-decay and momentum schedules are
 * indexed by global iteration ({@code epoch * itersPerEpoch + it}), the teacher temperature by epoch. Values may rise
 * or fall.
 */
@FunctionalInterface
public interface Schedule {

    /**
     * The value at one step.
     *
     * @param step the step, counted from 0
     * @return the value to use at that step
     * @throws IllegalArgumentException if {@code step} is negative
     */
    double valueAt(long step);
}
