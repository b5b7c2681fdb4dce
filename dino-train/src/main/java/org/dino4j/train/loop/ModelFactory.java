package org.dino4j.train.loop;

import org.dino4j.core.backbone.Backbone;
import org.dino4j.core.backbone.VisionTransformer;
import org.dino4j.core.backbone.Ffn;
import org.dino4j.core.backbone.PositionalEmbedding;
import org.dino4j.core.backbone.ResNet;
import org.dino4j.core.backbone.StochasticDepth;
import org.dino4j.core.head.ProjectionHead;
import org.dino4j.train.config.DropPathMode;
import org.dino4j.train.config.FfnType;
import org.dino4j.train.config.PosEmbedInterpolation;
import org.dino4j.train.model.ProjectionHeadProvider;
import org.dino4j.train.config.BackboneConfig;
import org.dino4j.train.config.HeadConfig;
import org.dino4j.train.config.ModelConfig;
import org.dino4j.train.config.ObjectiveConfig;
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
        return backbone(c, dropPathRate, false);
    }

    /**
     * The backbone of a configuration, optionally with the learnable mask token of masked-image modelling.
     *
     * @param c the backbone section
     * @param dropPathRate the stochastic-depth rate
     * @param maskToken whether the ViT gets a {@code mask_token} (iBOT)
     * @return an uninitialised backbone
     */
    public static Backbone backbone(BackboneConfig c, double dropPathRate, boolean maskToken) {
        return switch (c.type()) {
            case VIT -> {
                VisionTransformer.Builder b = VisionTransformer.builder()
                        .setPatchSize(c.patchSize())
                        .setEmbedDim(c.embedDim())
                        .setDepth(c.depth())
                        .setNumHeads(c.numHeads())
                        .optImageSize(c.imageSize())
                        .optMlpRatio(c.mlpRatio())
                        .optQkvBias(c.qkvBias())
                        .optDropPathRate(dropPathRate)
                        .optDropPathMode(c.dropPathMode() == DropPathMode.SUBSET ? StochasticDepth.Mode.SUBSET
                                : StochasticDepth.Mode.MASK)
                        .optDropPathUniform(c.dropPathUniform())
                        .optMaskToken(maskToken)
                        .optRegisterTokens(c.numRegisterTokens())
                        .optFfn(c.ffn() == FfnType.SWIGLU ? Ffn.SWIGLU : Ffn.MLP)
                        .optInterpolation(c.interpolation() == PosEmbedInterpolation.OFFSET_0_ANTIALIAS
                                ? PositionalEmbedding.Interpolation.OFFSET_0_ANTIALIAS
                                : PositionalEmbedding.Interpolation.OFFSET_0_1_NO_ANTIALIAS);
                if (c.layerScale() > 0) {
                    b.optLayerScale(c.layerScale());
                }
                yield b.build();
            }
            // DINO's ResNet has no stochastic depth and no mask token (the config checks reject iBOT with it)
            case RESNET -> new ResNet(c.depth(), 3);
        };
    }

    /**
     * The projection head of a configuration, made by the provider {@code model.head.type} names.
     *
     * @param c the head section
     * @param inDim the backbone's feature size
     * @return an uninitialised head
     * @throws IllegalArgumentException if no provider has that name (the message lists the known ones)
     */
    public static ProjectionHead head(HeadConfig c, long inDim) {
        ProjectionHead head = ProjectionHeadProvider.registry().get(c.type(), "model.head.type").create(c, inDim);
        if (head.outDim() != c.outDim() || head.inDim() != inDim) {
            throw new IllegalStateException("the '" + c.type() + "' head maps " + head.inDim() + " -> "
                    + head.outDim() + ", but model.head.out_dim = " + c.outDim() + " and the backbone gives "
                    + inDim);
        }
        return head;
    }

    /** The DINO student: stochastic depth as configured. */
    public static MultiCropNetwork student(ModelConfig c) {
        return network(c, c.backbone().dropPathRate(), false, false);
    }

    /** The DINO teacher: same architecture, no stochastic depth (the official teacher is built with the default 0). */
    public static MultiCropNetwork teacher(ModelConfig c) {
        return network(c, 0.0, false, false);
    }

    /**
     * The student of an objective: with iBOT, the backbone gets a mask token and (unless shared) an iBOT head of the
     * DINO head's shape.
     */
    public static MultiCropNetwork student(ModelConfig c, ObjectiveConfig o) {
        return network(c, c.backbone().dropPathRate(), o.ibotEnabled(), o.ibotEnabled() && o.ibotSeparateHead());
    }

    /** The teacher of an objective: the student's architecture without stochastic depth. */
    public static MultiCropNetwork teacher(ModelConfig c, ObjectiveConfig o) {
        return network(c, 0.0, o.ibotEnabled(), o.ibotEnabled() && o.ibotSeparateHead());
    }

    private static MultiCropNetwork network(ModelConfig c, double dropPath, boolean maskToken, boolean ibotHead) {
        Backbone b = backbone(c.backbone(), dropPath, maskToken);
        return new MultiCropNetwork(b, head(c.head(), b.embedDim()), ibotHead ? head(c.head(), b.embedDim()) : null,
                c.sequencePacking());
    }
}
