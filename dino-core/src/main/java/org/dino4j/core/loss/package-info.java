/**
 * Self-distillation losses.
 *
 * <p>{@link org.dino4j.core.loss.DinoClsLoss} is DINO's cross-view loss on the image-level (CLS) outputs: the
 * student, shown every crop, predicts the teacher's targets for the global crops of the same images.
 * {@link org.dino4j.core.loss.SoftCrossEntropy} holds the cross-entropy against soft targets that the DINO-family
 * losses share. Losses take the teacher's targets as input (see {@code org.dino4j.core.target}) and change no state.
 */
package org.dino4j.core.loss;
