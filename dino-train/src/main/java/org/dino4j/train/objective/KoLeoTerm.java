package org.dino4j.train.objective;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import org.dino4j.core.loss.KoLeoRegularizer;

/**
 * DINOv2's KoLeo regulariser as a loss term: on the student's backbone CLS features of each global crop separately,
 * summed over the global crops (official {@code ssl_meta_arch}).
 */
public final class KoLeoTerm implements LossTerm {

    private final KoLeoRegularizer koleo = new KoLeoRegularizer();

    /** {@inheritDoc} */
    @Override
    public NDArray compute(StepOutputs o) {
        NDArray globalCls = o.studentCls().get(new NDIndex("0:{}", (long) o.globalCrops() * o.batchSize()));
        return koleo.forwardPerCrop(globalCls, o.globalCrops());
    }

    /** Registers the term as {@code koleo}. */
    public static final class Provider implements LossTermProvider {
        /** {@inheritDoc} */
        @Override
        public String name() {
            return "koleo";
        }

        /** {@inheritDoc} */
        @Override
        public LossTerm create(long embedDim, long outDim) {
            return new KoLeoTerm();
        }
    }
}
