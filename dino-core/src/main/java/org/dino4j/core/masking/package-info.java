/**
 * Patch masking for DINOv2's masked-patch (iBOT) objective.
 *
 * <p>{@link org.dino4j.core.masking.BlockMaskGenerator} draws BEiT / iBOT-style block-wise masks over the patch grid
 * of the global crops: rectangles with a bounded aspect ratio until a per-image target is reached, for a share of
 * the images, with the mask ratio spread over a range. {@link org.dino4j.core.masking.BatchMasks} holds a step's
 * masks with the masked-patch indices and weights the loss needs. Plain Java, no arrays on a device: the data
 * pipeline builds masks next to the crops and hands them to the trainer. Randomness comes from a seeded
 * {@link java.util.SplittableRandom} passed in.
 */
package org.dino4j.core.masking;
