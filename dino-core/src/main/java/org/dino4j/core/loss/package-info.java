/**
 * Self-distillation losses.
 *
 * <p>{@link org.dino4j.core.loss.DinoClsLoss} is DINO's cross-view loss on the image-level (CLS) outputs: the
 * student, shown every crop, predicts the teacher's targets for the global crops of the same images.
 * {@link org.dino4j.core.loss.SoftCrossEntropy} holds the cross-entropy against soft targets that the DINO-family
 * losses share. {@link org.dino4j.core.loss.DinoV2ClsLoss} is DINOv2's version of the CLS loss (swapped teacher
 * crops, no skipped pairs, separate local and global terms), {@link org.dino4j.core.loss.IbotPatchLoss} its
 * masked-patch loss and {@link org.dino4j.core.loss.KoLeoRegularizer} its feature-spreading regulariser. Losses take
 * the teacher's targets as input (see {@code org.dino4j.core.target}) and change no state.
 */
package org.dino4j.core.loss;
