package org.dino4j.train.objective;

import org.dino4j.core.masking.BlockMaskGenerator;
import org.dino4j.core.target.TeacherTargets;
import ai.djl.ndarray.NDManager;
import org.dino4j.train.config.DinoConfig;
import org.dino4j.train.config.ObjectiveConfig;
import org.dino4j.train.config.ObjectiveMethod;

import java.util.ArrayList;
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

    /**
     * Resolves the objective of a configuration: CLS loss assembly, teacher targets (a registered name), iBOT with
     * its own targets and masks, KoLeo and the user terms (registered names). The trainer and the benchmark both
     * build their objective here.
     *
     * @param config the configuration
     * @param embedDim the backbone's feature width (KoLeo and user terms may need it)
     * @param owner the manager that owns the teacher-target state (centres)
     * @return the objective
     */
    public static Objective of(DinoConfig config, long embedDim, NDManager owner) {
        ObjectiveConfig o = config.objective();
        long k = config.model().head().outDim();
        TeacherTargetsProvider targets = TeacherTargetsProvider.registry().get(o.teacherTargets(),
                "objective.teacher_targets");
        double centerMomentum = config.loss().centerMomentum();
        List<WeightedTerm> terms = new ArrayList<>();
        Registry<LossTermProvider> registry = LossTermProvider.registry();
        if (o.koleoWeight() > 0) {
            terms.add(new WeightedTerm("koleo", registry.get("koleo", "objective.koleo_weight").create(embedDim, k),
                    o.koleoWeight()));
        }
        for (int i = 0; i < o.extraTerms().size(); i++) {
            var t = o.extraTerms().get(i);
            terms.add(new WeightedTerm(t.type(),
                    registry.get(t.type(), "objective.extra_terms[" + i + "].type").create(embedDim, k), t.weight()));
        }
        BlockMaskGenerator masks = null;
        TeacherTargets patchTargets = null;
        if (o.ibotEnabled()) {
            int grid = config.crops().globalSize() / config.model().backbone().patchSize();
            masks = BlockMaskGenerator.builder().setGrid(grid, grid)
                    .optMaskRatio(o.maskRatio().min(), o.maskRatio().max())
                    .optMaskedShare(o.maskShare())
                    .build();
            patchTargets = targets.create(owner, k, centerMomentum);
        }
        return new Objective(o.method(), config.loss().studentTemp(), targets.create(owner, k, centerMomentum),
                patchTargets, o.ibotWeight(), masks, terms);
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
