package org.dino4j.train.objective;

import org.dino4j.core.masking.BlockMaskGenerator;
import org.dino4j.core.target.TeacherTargets;
import org.dino4j.train.config.ObjectiveMethod;

import java.util.List;

/**
 * The complete training objective of a run: the CLS loss assembly (DINO or DINOv2) with its teacher-target method,
 * the optional iBOT patch objective, and weighted extra terms (KoLeo, user terms).
 *
 * @param method CLS loss assembly
 * @param studentTemperature temperature of the student softmax (0.1)
 * @param clsTargets teacher targets of the CLS objective
 * @param patchTargets teacher targets of the iBOT objective (its own state, e.g. its own centre), or null without iBOT
 * @param ibotWeight weight of the iBOT loss (0 = off)
 * @param masks the block-mask generator of the global crops, or null without iBOT
 * @param terms weighted extra terms
 */
public record Objective(ObjectiveMethod method, double studentTemperature, TeacherTargets clsTargets,
                        TeacherTargets patchTargets, double ibotWeight, BlockMaskGenerator masks,
                        List<WeightedTerm> terms) {

    /** Validates that the iBOT parts come together. */
    public Objective {
        terms = List.copyOf(terms);
        if (ibotWeight > 0 && (patchTargets == null || masks == null)) {
            throw new IllegalArgumentException("the iBOT objective needs patch targets and a mask generator");
        }
    }

    /** DINO v1 with centring: the official recipe. */
    public static Objective dino(TeacherTargets targets, double studentTemperature) {
        return new Objective(ObjectiveMethod.DINO, studentTemperature, targets, null, 0, null, List.of());
    }

    /** Whether the iBOT objective is on. */
    public boolean ibot() {
        return ibotWeight > 0;
    }
}
