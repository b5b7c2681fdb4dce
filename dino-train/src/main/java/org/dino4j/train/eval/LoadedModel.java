package org.dino4j.train.eval;

import ai.djl.ndarray.NDManager;
import org.dino4j.core.backbone.Backbone;
import org.dino4j.core.backbone.VisionTransformer;
import org.dino4j.core.head.ProjectionHead;
import org.dino4j.train.augment.Normalization;
import org.dino4j.train.config.DinoConfig;

/**
 * A network read from a checkpoint for evaluation or export: a backbone, the projection head when the file has one,
 * and what is needed to feed it images. It owns one native manager, which holds every parameter; {@link #close()}
 * frees them.
 *
 * <p>Obtain one from {@link CheckpointModels#load}.
 */
public final class LoadedModel implements AutoCloseable {

    private final NDManager manager;
    private final Backbone backbone;
    private final ProjectionHead head;
    private final Normalization normalization;
    private final int imageSize;
    private final DinoConfig config;
    private final String description;

    /**
     * @param manager owns the parameters of {@code backbone} and {@code head}; closed by {@link #close()}
     * @param backbone the backbone, weights loaded
     * @param head the projection head, or null when the file holds a backbone only
     * @param normalization the per-channel mean / std the network was trained with
     * @param imageSize the image side the network was trained on (global crop size)
     * @param config the run's configuration for a dino4j checkpoint, null for an official file
     * @param description what was loaded from where, for messages
     */
    LoadedModel(NDManager manager, Backbone backbone, ProjectionHead head, Normalization normalization, int imageSize,
                DinoConfig config, String description) {
        this.manager = manager;
        this.backbone = backbone;
        this.head = head;
        this.normalization = normalization;
        this.imageSize = imageSize;
        this.config = config;
        this.description = description;
    }

    /** The backbone (weights loaded, use it in evaluation mode). */
    public Backbone backbone() {
        return backbone;
    }

    /**
     * The projection head (a {@link org.dino4j.core.head.DinoHead}, official names {@code mlp.*},
     * {@code last_layer.*}), or null if none was loaded.
     */
    public ProjectionHead head() {
        return head;
    }

    /** The normalisation of the training images (ImageNet statistics for official weights). */
    public Normalization normalization() {
        return normalization;
    }

    /**
     * The image side the network was trained on: the global crop size of a dino4j run, the size of the positional
     * embedding of an official ViT (224 for DINO, 518 for DINOv2), 224 for a ResNet.
     */
    public int imageSize() {
        return imageSize;
    }

    /** The patch side of a ViT backbone, 0 for a backbone without patches (a ResNet). */
    public int patchSize() {
        return backbone instanceof VisionTransformer vit ? vit.patchSize() : 0;
    }

    /** The run's resolved configuration for a dino4j checkpoint, null for an official file. */
    public DinoConfig config() {
        return config;
    }

    /** The manager that owns the parameters (its device is the model's). */
    public NDManager manager() {
        return manager;
    }

    /** What was loaded from where, e.g. {@code teacher of runs/x/checkpoint.zip (ViT patch 4, D 128, depth 4)}. */
    public String description() {
        return description;
    }

    /** Frees every parameter. */
    @Override
    public void close() {
        manager.close();
    }

    @Override
    public String toString() {
        return description;
    }
}
