package org.dino4j.train.teacher;

import ai.djl.ndarray.NDArray;
import java.util.ArrayList;
import java.util.List;
import org.dino4j.train.kernels.ForeachOps;
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
    private final boolean foreach;

    /** @param momentum the momentum per iteration */
    public EmaTeacher(Schedule momentum) {
        this(momentum, false);
    }

    /**
     * @param momentum the momentum per iteration
     * @param foreach true to update all parameters in one engine call ({@link ForeachOps#ema}, bit-identical)
     */
    public EmaTeacher(Schedule momentum, boolean foreach) {
        this.momentum = momentum;
        this.foreach = foreach;
    }

    /** The momentum schedule. */
    public Schedule momentum() {
        return momentum;
    }

    /** {@inheritDoc} */
    @Override
    public void afterOptimizerStep(Map<String, Parameter> student, Map<String, Parameter> teacher, long iteration) {
        if (foreach) {
            List<NDArray> t = new ArrayList<>();
            List<NDArray> s = new ArrayList<>();
            for (Map.Entry<String, Parameter> e : teacher.entrySet()) {
                t.add(e.getValue().getArray());
                s.add(student.get(e.getKey()).getArray());
            }
            // the update creates no arrays: the parameters' own manager only tells the device
            ForeachOps.ema(t, s, momentum.valueAt(iteration), t.get(0).getManager());
        } else {
            update(student, teacher, momentum.valueAt(iteration));
        }
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
