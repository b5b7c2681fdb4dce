package org.dino4j.train.kernels;

import ai.djl.ndarray.NDManager;
import org.dino4j.core.nn.DinoBlock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.dino4j.core.nn.Kernels;
import org.dino4j.train.config.KernelsType;
import org.dino4j.train.config.Precision;
import org.dino4j.train.config.RunConfig;
import org.dino4j.train.model.MultiCropNetwork;

/** Sets a network's kernels from {@code run.kernels} and {@code run.precision}. */
public final class KernelChoice {

    private static final FusedKernels FUSED_FP32 = new FusedKernels(FusedKernels.Precision.FP32);
    private static final FusedKernels FUSED_BF16 = new FusedKernels(FusedKernels.Precision.BF16);

    private static final Logger LOG = LoggerFactory.getLogger(KernelChoice.class);
    private static Boolean available;

    private KernelChoice() {}

    /**
     * Whether the engine compiles dino4j's TorchScript kernels, checked once per process (on the default device) by
     * compiling them; when it does not, the fused choices fall back to {@link Kernels#REFERENCE} and the per-tensor
     * updates, with a warning that quotes the engine.
     *
     * @return true if the fused kernels can run
     */
    public static synchronized boolean fusedAvailable() {
        if (available == null) {
            try (NDManager m = NDManager.newBaseManager()) {
                FUSED_FP32.compile(m);
                FUSED_BF16.compile(m);
                ForeachOps.compile(m);
                available = true;
            } catch (IllegalStateException e) {
                LOG.warn("run.kernels: fused is not available with this engine, using the reference kernels"
                        + " (same results up to float rounding, slower): {}", e.getMessage());
                available = false;
            }
        }
        return available;
    }

    /**
     * Applies the run's kernels: heads always multiply in float32 (DINOv2 keeps its heads and reductions in
     * float32); with {@code precision: bf16} the backbone multiplies in bfloat16.
     *
     * @param network a student or teacher
     * @param run the run section
     * @return the kernels of the backbone
     */
    public static Kernels apply(MultiCropNetwork network, RunConfig run) {
        if (run.kernels() == KernelsType.REFERENCE || !fusedAvailable()) {
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
        return run.kernels() == KernelsType.FUSED && fusedAvailable();
    }

    /** The kernels to evaluate a network whose file names no run configuration: the default, float32 fused. */
    public static Kernels forEvaluation() {
        return fusedAvailable() ? FUSED_FP32 : Kernels.REFERENCE;
    }

    /**
     * The kernels to evaluate or export a network trained with {@code run}: float32 always (features and attention
     * for downstream use), fused if the run used the fused kernels.
     *
     * @param run the run section the network was trained with
     * @return the kernels
     */
    public static Kernels forEvaluation(RunConfig run) {
        return run.kernels() == KernelsType.FUSED ? forEvaluation() : Kernels.REFERENCE;
    }
}
