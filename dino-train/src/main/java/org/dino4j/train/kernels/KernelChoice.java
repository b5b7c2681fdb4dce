package org.dino4j.train.kernels;

import org.dino4j.core.nn.DinoBlock;
import org.dino4j.core.nn.Kernels;
import org.dino4j.train.config.KernelsType;
import org.dino4j.train.config.Precision;
import org.dino4j.train.config.RunConfig;
import org.dino4j.train.model.MultiCropNetwork;

/** Sets a network's kernels from {@code run.kernels} and {@code run.precision}. */
public final class KernelChoice {

    private static final FusedKernels FUSED_FP32 = new FusedKernels(FusedKernels.Precision.FP32);
    private static final FusedKernels FUSED_BF16 = new FusedKernels(FusedKernels.Precision.BF16);

    private KernelChoice() {}

    /**
     * Applies the run's kernels: heads always multiply in float32 (DINOv2 keeps its heads and reductions in
     * float32); with {@code precision: bf16} the backbone multiplies in bfloat16.
     *
     * @param network a student or teacher
     * @param run the run section
     * @return the kernels of the backbone
     */
    public static Kernels apply(MultiCropNetwork network, RunConfig run) {
        if (run.kernels() == KernelsType.REFERENCE) {
            network.useKernels(Kernels.REFERENCE);
            return Kernels.REFERENCE;
        }
        network.useKernels(FUSED_FP32);
        if (run.precision() == Precision.BF16 && network.backbone() instanceof DinoBlock backbone) {
            backbone.useKernels(FUSED_BF16);
            return FUSED_BF16;
        }
        return FUSED_FP32;
    }

    /**
     * Whether the parameter updates (zeroing, clipping, AdamW, EMA) run as multi-tensor engine calls
     * ({@link ForeachOps}): with {@code run.kernels: fused}.
     *
     * @param run the run section
     * @return true for the multi-tensor updates
     */
    public static boolean foreach(RunConfig run) {
        return run.kernels() == KernelsType.FUSED;
    }

    /** The kernels to evaluate a network whose file names no run configuration: the default, float32 fused. */
    public static Kernels forEvaluation() {
        return FUSED_FP32;
    }

    /**
     * The kernels to evaluate or export a network trained with {@code run}: float32 always (features and attention
     * for downstream use), fused if the run used the fused kernels.
     *
     * @param run the run section the network was trained with
     * @return the kernels
     */
    public static Kernels forEvaluation(RunConfig run) {
        return run.kernels() == KernelsType.FUSED ? FUSED_FP32 : Kernels.REFERENCE;
    }
}
