package org.dino4j.train.eval;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import org.dino4j.core.backbone.Backbone;
import org.dino4j.core.backbone.VisionTransformer;

import java.util.Iterator;

/** What the analysis tools need to know about a backbone beyond the {@link Backbone} interface. */
final class Backbones {

    private Backbones() {}

    /**
     * The backbone as a ViT, for the tools that read patch tokens or attention.
     *
     * @param backbone the backbone
     * @param what the tool, for the message, e.g. "attention maps"
     * @throws IllegalArgumentException for another architecture
     */
    static VisionTransformer requireVit(Backbone backbone, String what) {
        if (backbone instanceof VisionTransformer vit) {
            return vit;
        }
        throw new IllegalArgumentException(what + " need a Vision Transformer backbone (patch tokens and"
                + " self-attention); this one is a " + backbone.getClass().getSimpleName());
    }

    /** The manager that owns the backbone's parameters, under which per-call scopes are opened. */
    static NDManager managerOf(Backbone backbone) {
        Iterator<Parameter> params = backbone.block().stateDict().values().iterator();
        if (!params.hasNext() || !params.next().isInitialized()) {
            throw new IllegalStateException("the backbone has no weights: initialise or load it first");
        }
        return backbone.block().stateDict().values().iterator().next().getArray().getManager();
    }
}
