package org.dino4j.train.teacher;

import ai.djl.nn.Parameter;

import java.util.Map;

/**
 * The teacher is the student from the previous iteration: before each optimiser step the student's current weights
 * are copied into the teacher, so iteration t+1 is distilled from theta_t. The paper reports that this does not
 * converge; it is here so that the ablation can be reproduced from the config.
 */
public final class PreviousIterationTeacher implements TeacherUpdate {

    /** {@inheritDoc} */
    @Override
    public void beforeOptimizerStep(Map<String, Parameter> student, Map<String, Parameter> teacher, long iteration) {
        TeacherUpdate.copy(student, teacher);
    }

    /** {@inheritDoc} */
    @Override
    public String name() {
        return "previous_iteration";
    }
}
