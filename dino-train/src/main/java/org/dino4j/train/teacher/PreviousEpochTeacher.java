package org.dino4j.train.teacher;

import ai.djl.nn.Parameter;

import java.util.Map;

/** The teacher is the student as it was at the end of the previous epoch (converges, below EMA in the paper). */
public final class PreviousEpochTeacher implements TeacherUpdate {

    /** {@inheritDoc} */
    @Override
    public void afterEpoch(Map<String, Parameter> student, Map<String, Parameter> teacher, int epoch) {
        TeacherUpdate.copy(student, teacher);
    }

    /** {@inheritDoc} */
    @Override
    public String name() {
        return "previous_epoch";
    }
}
