package org.dino4j.train.loop;

import org.dino4j.core.backbone.Backbone;
import org.dino4j.core.backbone.VisionTransformer;
import org.dino4j.core.head.DinoHead;
import org.dino4j.train.config.BackboneConfig;
import org.dino4j.train.config.HeadConfig;
import org.dino4j.train.config.ModelConfig;
import org.dino4j.train.model.MultiCropNetwork;

/** Builds the networks a configuration describes. */
public final class ModelFactory {

    private ModelFactory() {}

    /**
     * The backbone of a configuration.
     *
     * @param c the backbone section
     * @param dropPathRate the stochastic-depth rate (the teacher uses 0, as the official code builds it)
     * @return an uninitialised backbone
     */
    public static Backbone backbone(BackboneConfig c, double dropPathRate) {
        return switch (c.type()) {
            case VIT -> VisionTransformer.builder()
                    .setPatchSize(c.patchSize())
                    .setEmbedDim(c.embedDim())
                    .setDepth(c.depth())
                    .setNumHeads(c.numHeads())
                    .optImageSize(c.imageSize())
                    .optMlpRatio(c.mlpRatio())
                    .optQkvBias(c.qkvBias())
                    .optDropPathRate(dropPathRate)
                    .build();
        };
    }

    /**
     * The DINO projection head of a configuration.
     *
     * @param c the head section
     * @param inDim the backbone's feature size
     * @return an uninitialised head
     */
    public static DinoHead head(HeadConfig c, long inDim) {
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

    /** The student: stochastic depth as configured. */
    public static MultiCropNetwork student(ModelConfig c) {
        Backbone b = backbone(c.backbone(), c.backbone().dropPathRate());
        return new MultiCropNetwork(b, head(c.head(), b.embedDim()));
    }

    /** The teacher: same architecture, no stochastic depth (the official teacher is built with the default 0). */
    public static MultiCropNetwork teacher(ModelConfig c) {
        Backbone b = backbone(c.backbone(), 0.0);
        return new MultiCropNetwork(b, head(c.head(), b.embedDim()));
    }
}
