package org.dino4j.train.config;

import java.util.List;

/**
 * Everything a DINO run needs, one record per section of the YAML file.
 *
 * <p>Obtain it from {@link ConfigLoader#load}, which applies the defaults of {@code configs/default.yaml}, checks
 * every value and the constraints between values, and keeps track of which file each value came from for the error
 * messages. More sections (e.g. DINOv2's iBOT and KoLeo terms) are added as new components with their keys in
 * {@code default.yaml}.
 *
 * @param seed seed of every random generator of the run (initialisation, augmentation, sampling)
 * @param model backbone and projection head
 * @param data training images and the optional k-NN evaluation sets
 * @param crops multi-crop augmentation
 * @param loss temperatures and centring of the DINO loss
 * @param objective the CLS loss assembly (DINO or DINOv2), teacher targets, iBOT, KoLeo and user loss terms
 * @param teacher how the teacher follows the student
 * @param optim optimiser, schedules and batch size
 * @param eval when and how to run k-NN evaluation
 * @param run logging, checkpointing and threading
 */
public record DinoConfig(long seed, ModelConfig model, DataConfig data, CropsConfig crops, LossConfig loss,
                         ObjectiveConfig objective,
                         TeacherConfig teacher, OptimConfig optim, EvalConfig eval, RunConfig run) {

    /** The defaults of {@code configs/default.yaml}, unchanged. */
    public static DinoConfig defaults() {
        return ConfigLoader.load(List.of(), List.of());
    }
}
