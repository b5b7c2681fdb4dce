package org.dino4j.train.teacher;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import org.dino4j.core.schedule.Schedule;

import java.util.Map;

/**
 * The momentum teacher: after every optimiser step, theta_t <- m theta_t + (1 - m) theta_s over all parameters
 * (frozen ones such as {@code weight_g} included, as the official {@code zip(student.parameters(),
 * teacher.parameters())} does), with m following a schedule (cosine from 0.996 to 1 in DINO).
 */
public final class EmaTeacher implements TeacherUpdate {

    private final Schedule momentum;

    /** @param momentum the momentum per iteration */
    public EmaTeacher(Schedule momentum) {
        this.momentum = momentum;
    }

    /** The momentum schedule. */
    public Schedule momentum() {
        return momentum;
    }

    /** {@inheritDoc} */
    @Override
    public void afterOptimizerStep(Map<String, Parameter> student, Map<String, Parameter> teacher, long iteration) {
        update(student, teacher, momentum.valueAt(iteration));
    }

    /** One EMA update with momentum {@code m}. */
    public static void update(Map<String, Parameter> student, Map<String, Parameter> teacher, double m) {
        for (Map.Entry<String, Parameter> e : teacher.entrySet()) {
            NDArray t = e.getValue().getArray();
            NDArray s = student.get(e.getKey()).getArray();
            // theta_t <- m theta_t + (1 - m) theta_s, in place; the temporary (1 - m) theta_s is freed at once.
            try (NDArray scaled = s.mul((float) (1 - m))) {
                t.muli((float) m).addi(scaled);
            }
        }
    }

    /** {@inheritDoc} */
    @Override
    public String name() {
        return "ema";
    }
}
