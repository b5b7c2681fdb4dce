/**
 * Interoperability with the official DINO and DINOv2 code: their checkpoint layouts mapped onto dino4j models.
 *
 * <p>{@link org.dino4j.core.interop.OfficialCheckpoints} reads released backbone weights (DINO ViT and ResNet-50,
 * DINOv2 with or without registers, chunked or not), full DINO training checkpoints
 * ({@link org.dino4j.core.interop.DinoTrainingCheckpoint}: student, teacher, AdamW moments by parameter name,
 * epoch, arguments, centre) and DINOv2's {@code teacher_checkpoint.pth}; infers the architecture from tensor
 * shapes; loads tensors into a model by official name with a clear report of missing, unexpected or mis-shaped
 * tensors; and exports models to safetensors under the official names.
 */
package org.dino4j.core.interop;
