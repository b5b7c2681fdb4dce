package org.dino4j.train.objective;

import ai.djl.ndarray.NDManager;
import org.dino4j.core.target.TeacherTargets;

/**
 * Makes a teacher-target method from its YAML name ({@code objective.teacher_targets}). Register an implementation in
 * {@code META-INF/services/org.dino4j.train.objective.TeacherTargetsProvider}.
 */
public interface TeacherTargetsProvider {

    /** The YAML name, in snake_case. */
    String name();

    /**
     * @param owner the manager that owns the method's state (e.g. a centre)
     * @param numPrototypes K, the head's output size
     * @param centerMomentum the configured centre momentum (for methods that keep a centre)
     * @return a new instance
     */
    TeacherTargets create(NDManager owner, long numPrototypes, double centerMomentum);

    /** The registry of every provider on the class path. */
    static Registry<TeacherTargetsProvider> registry() {
        return Registry.load(TeacherTargetsProvider.class, TeacherTargetsProvider::name, "teacher-target method");
    }
}
