package org.dino4j.train.teacher;

import ai.djl.nn.Parameter;

import java.util.Map;

/**
 * How the teacher's weights follow the student's: the DINO paper's ablation (Table 6) compares an exponential moving
 * average (the default), a copy of the student from the previous epoch, and a copy from the previous iteration.
 *
 * <p>Each hook receives the student's and the teacher's parameters under the same official names (the set of
 * {@code module.parameters()}, frozen ones included, buffers excluded) and changes only the teacher.
 */
public interface TeacherUpdate {

    /**
     * Called after the losses are computed and before the optimiser changes the student.
     *
     * @param student student parameters (as used in this iteration's forward pass)
     * @param teacher teacher parameters
     * @param iteration global iteration index (0-based)
     */
    default void beforeOptimizerStep(Map<String, Parameter> student, Map<String, Parameter> teacher, long iteration) {}

    /**
     * Called after the optimiser step of {@code iteration}.
     *
     * @param student student parameters after the update
     * @param teacher teacher parameters
     * @param iteration global iteration index (0-based)
     */
    default void afterOptimizerStep(Map<String, Parameter> student, Map<String, Parameter> teacher, long iteration) {}

    /**
     * Called when an epoch has finished.
     *
     * @param student student parameters
     * @param teacher teacher parameters
     * @param epoch the epoch that just ended (0-based)
     */
    default void afterEpoch(Map<String, Parameter> student, Map<String, Parameter> teacher, int epoch) {}

    /** The config name of this method ({@code ema}, {@code previous_epoch}, {@code previous_iteration}). */
    String name();

    /** Selects a whole array. */
    ai.djl.ndarray.index.NDIndex ALL = new ai.djl.ndarray.index.NDIndex("...");

    /**
     * The update a configuration names ({@code teacher.update}).
     *
     * @param method the configured method
     * @param momentum the per-iteration EMA momentum schedule (used by {@code ema})
     * @return a new update
     */
    static TeacherUpdate of(org.dino4j.train.config.TeacherUpdateMethod method,
                            org.dino4j.core.schedule.Schedule momentum) {
        return of(method, momentum, false);
    }

    /**
     * As {@link #of(org.dino4j.train.config.TeacherUpdateMethod, org.dino4j.core.schedule.Schedule)}, with the EMA
     * optionally in one engine call for all parameters.
     *
     * @param method the configured method
     * @param momentum the momentum schedule (used by {@code ema} only)
     * @param foreach true for the multi-tensor EMA ({@link org.dino4j.train.kernels.ForeachOps#ema})
     * @return the update
     */
    static TeacherUpdate of(org.dino4j.train.config.TeacherUpdateMethod method,
                            org.dino4j.core.schedule.Schedule momentum, boolean foreach) {
        return switch (method) {
            case EMA -> new EmaTeacher(momentum, foreach);
            case PREVIOUS_EPOCH -> new PreviousEpochTeacher();
            case PREVIOUS_ITERATION -> new PreviousIterationTeacher();
        };
    }

    /** Copies every student parameter into the teacher parameter of the same name. */
    static void copy(Map<String, Parameter> student, Map<String, Parameter> teacher) {
        for (Map.Entry<String, Parameter> e : teacher.entrySet()) {
            Parameter s = student.get(e.getKey());
            if (s == null) {
                throw new IllegalArgumentException("student has no parameter '" + e.getKey() + "'");
            }
            // an on-device copy (DJL's copyTo goes through host memory)
            e.getValue().getArray().set(ALL, s.getArray());
        }
    }
}
