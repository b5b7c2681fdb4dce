package org.dino4j.train.config;

/**
 * The projection head ({@code model.head}). The built-in {@code dino} head is an MLP of {@code numLayers} linear layers (GELU between them, the
 * last one to {@code bottleneckDim}), l2 normalisation, then a weight-normalised linear layer to K =
 * {@code outDim} prototypes.
 *
 * @param type the registered name of the head ({@code dino}, or a user's
 *     {@link org.dino4j.train.model.ProjectionHeadProvider}); other heads read the keys they need
 * @param outDim K, the number of prototypes (65536 in the paper)
 * @param hiddenDim width of the hidden MLP layers
 * @param bottleneckDim width of the l2-normalised bottleneck
 * @param numLayers number of MLP layers before the bottleneck normalisation (1 = a single linear layer)
 * @param useBn whether the MLP has batch norm between layers (off for ViTs)
 * @param normLastLayer whether the weight-norm gain g of the last layer is frozen at 1 (more stable training;
 *     the boosted ViT-S recipe turns it off)
 */
public record HeadConfig(String type,
                         @Range(min = 1) int outDim,
                         @Range(min = 1) int hiddenDim,
                         @Range(min = 1) int bottleneckDim,
                         @Range(min = 1) int numLayers,
                         boolean useBn,
                         boolean normLastLayer) {}
