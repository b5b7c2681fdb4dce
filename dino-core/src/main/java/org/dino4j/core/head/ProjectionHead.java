package org.dino4j.core.head;

import ai.djl.ndarray.NDArray;
import org.dino4j.core.nn.DinoBlock;

import java.util.Set;

/**
 * A projection head: maps backbone embeddings to K prototype logits, for the student and (as an EMA copy) for the
 * teacher.
 *
 * <p>Implement this interface to add a head. A trainer needs four things from it: the forward pass, the number of
 * prototypes K (to size the teacher centre), the block that holds its parameters (to register it under the official
 * prefix {@code head.} and to run the teacher EMA over it), and the names of the parameters of its last layer, which
 * DINO keeps frozen during the first epoch(s) ({@code freeze_last_layer}: their gradients are dropped, so the
 * optimiser skips them entirely).
 */
public interface ProjectionHead {

    /**
     * The forward pass with training semantics (batch statistics in normalisation layers, which is also how the
     * official code runs the teacher: it is never switched to eval mode).
     *
     * @param x [rows, inDim] backbone embeddings (e.g. CLS tokens of all crops)
     * @return [rows, outDim] prototype logits
     */
    default NDArray forward(NDArray x) {
        return forward(x, true);
    }

    /**
     * The forward pass.
     *
     * @param x [rows, inDim] backbone embeddings
     * @param training true to use and update batch statistics (training), false to use running statistics (eval);
     *     irrelevant for heads without normalisation layers
     * @return [rows, outDim] prototype logits
     */
    NDArray forward(NDArray x, boolean training);

    /** The input width, the backbone's embedding size. */
    long inDim();

    /** The number of prototypes K (the width of the logits). */
    long outDim();

    /**
     * The block that holds this head's parameters under their official names (usually the head itself).
     *
     * @return the head's block
     */
    DinoBlock block();

    /**
     * The parameters a trainer freezes while {@code epoch < freeze_last_layer}, as names relative to
     * {@link #block()}'s state dict (e.g. {@code last_layer.weight_v}). The set may include parameters that are
     * frozen anyway (such as {@code last_layer.weight_g} with a fixed norm); dropping a gradient that does not exist
     * is a no-op.
     *
     * @return the names, in state-dict order
     */
    Set<String> lastLayerParameterNames();
}
