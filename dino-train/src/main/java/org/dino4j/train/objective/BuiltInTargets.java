package org.dino4j.train.objective;

import ai.djl.ndarray.NDManager;
import org.dino4j.core.target.CenteringSharpening;
import org.dino4j.core.target.SinkhornKnopp;
import org.dino4j.core.target.TeacherTargets;

/** The built-in teacher-target methods. */
public final class BuiltInTargets {

    private BuiltInTargets() {}

    /** {@code centering}: DINO's centring and sharpening. */
    public static final class Centering implements TeacherTargetsProvider {
        /** {@inheritDoc} */
        @Override
        public String name() {
            return "centering";
        }

        /** {@inheritDoc} */
        @Override
        public TeacherTargets create(NDManager owner, long numPrototypes, double centerMomentum) {
            return new CenteringSharpening(owner, numPrototypes, centerMomentum);
        }
    }

    /** {@code sinkhorn_knopp}: DINOv2's Sinkhorn-Knopp normalisation (3 iterations). */
    public static final class Sinkhorn implements TeacherTargetsProvider {
        /** {@inheritDoc} */
        @Override
        public String name() {
            return "sinkhorn_knopp";
        }

        /** {@inheritDoc} */
        @Override
        public TeacherTargets create(NDManager owner, long numPrototypes, double centerMomentum) {
            return new SinkhornKnopp();
        }
    }
}
