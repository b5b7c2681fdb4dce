package org.dino4j.train.model;

import org.dino4j.core.head.DinoHead;
import org.dino4j.core.head.ProjectionHead;
import org.dino4j.train.config.HeadConfig;
import org.dino4j.train.objective.Registry;

/**
 * Makes a projection head from its YAML name ({@code model.head.type}). Register an implementation in
 * {@code META-INF/services/org.dino4j.train.model.ProjectionHeadProvider}; the student, the teacher and (with a
 * separate iBOT head) the patch heads are each made by one call.
 */
public interface ProjectionHeadProvider {

    /** The YAML name, in snake_case. */
    String name();

    /**
     * @param config the {@code model.head} section (a head reads the keys it needs; {@code out_dim} is K for the
     *     teacher targets and must be the head's {@link ProjectionHead#outDim()})
     * @param inDim the backbone's feature width
     * @return a new, uninitialised head
     */
    ProjectionHead create(HeadConfig config, long inDim);

    /** The registry of every provider on the class path. */
    static Registry<ProjectionHeadProvider> registry() {
        return Registry.load(ProjectionHeadProvider.class, ProjectionHeadProvider::name, "projection head");
    }

    /** {@code dino}: the DINO head (MLP, l2-normalised bottleneck, weight-normalised prototypes). */
    final class Dino implements ProjectionHeadProvider {
        /** {@inheritDoc} */
        @Override
        public String name() {
            return "dino";
        }

        /** {@inheritDoc} */
        @Override
        public ProjectionHead create(HeadConfig c, long inDim) {
            return DinoHead.builder()
                    .setInDim(inDim)
                    .setOutDim(c.outDim())
                    .optHiddenDim(c.hiddenDim())
                    .optBottleneckDim(c.bottleneckDim())
                    .optNumLayers(c.numLayers())
                    .optUseBatchNorm(c.useBn())
                    .optNormLastLayer(c.normLastLayer())
                    .build();
        }
    }
}
