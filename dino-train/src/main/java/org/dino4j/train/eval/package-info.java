/**
 * What a pretrained backbone has learned, measured and shown: weighted k-NN classification on frozen features
 * ({@link org.dino4j.train.eval.KnnClassifier}, {@link org.dino4j.train.eval.KnnEvaluation}), the last-layer CLS
 * self-attention of every head as in the DINO paper's figures ({@link org.dino4j.train.eval.AttentionMaps}), the
 * principal components of the patch features as colours as in the DINOv2 paper's figures
 * ({@link org.dino4j.train.eval.PcaVisualization}), and the analytic cost of a configuration
 * ({@link org.dino4j.train.eval.TrainingFlops}).
 *
 * <p>Models come from a dino4j run checkpoint or an official DINO / DINOv2 file through
 * {@link org.dino4j.train.eval.CheckpointModels}; each loaded model owns one native manager and is closed by the
 * caller. Images come from files through {@link org.dino4j.train.eval.ImageFiles}.
 */
package org.dino4j.train.eval;
