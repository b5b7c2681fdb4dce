package org.dino4j.examples.extend;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import org.dino4j.core.nn.DinoBlock;
import org.dino4j.train.objective.LossTerm;
import org.dino4j.train.objective.LossTermProvider;
import org.dino4j.train.objective.StepOutputs;

/**
 * An example of a user loss term (the walk-through of docs/extending.md): a VICReg-style variance hinge on the
 * student's backbone CLS features of the global crops, mean over feature dimensions of max(0, 1 - std_d), which
 * pushes every feature dimension to vary across the batch (a guard against collapse that complements centring).
 *
 * <p>Use it from YAML with {@code objective.extra_terms: [{type: feature_variance, weight: 0.1}]}; it is registered in
 * {@code META-INF/services/org.dino4j.train.objective.LossTermProvider} of this module.
 */
public final class FeatureVarianceTerm implements LossTerm {

    private static final float EPS = 1e-4f;

    /** {@inheritDoc} */
    @Override
    public NDArray compute(StepOutputs o) {
        // [nGlobal*B, D]: only the global crops, as KoLeo does
        NDArray x = o.studentCls().get(new NDIndex("0:{}", (long) o.globalCrops() * o.batchSize()));
        NDArray centred = x.sub(x.mean(new int[] {0}, true));
        NDArray std = centred.square().mean(new int[] {0}).add(EPS).sqrt();
        // numbers on the gradient path go through DinoBlock.constant, which keeps them alive until backward
        return std.neg().add(1f).maximum(DinoBlock.constant(std, 0f)).mean();
    }

    /** Registers the term as {@code feature_variance}. */
    public static final class Provider implements LossTermProvider {
        /** {@inheritDoc} */
        @Override
        public String name() {
            return "feature_variance";
        }

        /** {@inheritDoc} */
        @Override
        public LossTerm create(long embedDim, long outDim) {
            return new FeatureVarianceTerm();
        }
    }
}
