package org.dino4j.train.kernels;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.jni.IValue;
import java.util.List;

/**
 * Whole-model parameter updates in one engine call each, through PyTorch's multi-tensor ({@code _foreach_*}) and
 * fused AdamW kernels: zeroing gradients, per-tensor gradient clipping, the AdamW update and the teacher's EMA.
 * Each computes what the per-tensor loops of {@link org.dino4j.train.optim.AdamW},
 * {@link org.dino4j.train.optim.GradientClipping} and {@link org.dino4j.train.teacher.EmaTeacher} compute (the EMA
 * bit for bit; clipping and AdamW up to float rounding: the clipping factor is computed in float32 as in the
 * official code, and PyTorch's fused AdamW evaluates the update in its own order), without a native call, a
 * temporary and a Java-side loop iteration per parameter.
 *
 * <p>The lists' arrays are updated in place; the methods run without autograd, in the engine's inference mode.
 * Lists must not be empty and must not hold 0-d arrays' copies: pass the arrays themselves.
 */
public final class ForeachOps {

    private static final String SOURCE = ""
            + "  def zero(self, xs: List[Tensor]) -> int:\n"
            + "    torch._foreach_zero_(xs)\n"
            + "    return 0\n"
            + "  def clip(self, grads: List[Tensor], max_norm: float) -> Tensor:\n"
            + "    norms = [torch.linalg_vector_norm(g) for g in grads]\n"
            + "    factors = torch._foreach_add(norms, 1e-06)\n"
            + "    torch._foreach_reciprocal_(factors)\n"
            + "    torch._foreach_mul_(factors, max_norm)\n"
            + "    torch._foreach_clamp_max_(factors, 1.)\n"
            + "    torch._foreach_mul_(grads, factors)\n"
            + "    return torch.stack(norms)\n"
            + "  def adamw(self, params: List[Tensor], grads: List[Tensor], exp_avgs: List[Tensor],"
            + " exp_avg_sqs: List[Tensor], steps: List[Tensor], lr: float, wd: float, beta1: float, beta2: float,"
            + " eps: float) -> int:\n"
            + "    torch._foreach_add_(steps, 1.)\n"
            + "    torch._fused_adamw_(params, grads, exp_avgs, exp_avg_sqs, annotate(List[Tensor], []), steps,"
            + " lr=lr, beta1=beta1, beta2=beta2, weight_decay=wd, eps=eps, amsgrad=False, maximize=False)\n"
            + "    return 0\n"
            + "  def ema(self, teacher: List[Tensor], student: List[Tensor], m: float, one_minus_m: float) -> int:\n"
            + "    scaled = torch._foreach_mul(student, one_minus_m)\n"
            + "    torch._foreach_mul_(teacher, m)\n"
            + "    torch._foreach_add_(teacher, scaled)\n"
            + "    return 0\n";

    private ForeachOps() {}

    /**
     * Sets every array to zero.
     *
     * @param arrays gradients, usually
     * @param scope any manager on the arrays' device
     */
    public static void zero(List<NDArray> arrays, NDManager scope) {
        module(scope).run("zero", list(arrays)).close();
    }

    /**
     * DINO's per-tensor clipping: each gradient g with norm n is multiplied by {@code min(1, maxNorm / (n + 1e-6))}
     * (evaluated as PyTorch evaluates {@code float / tensor}: reciprocal, then product), in place.
     *
     * @param grads the gradients
     * @param maxNorm the threshold (3.0 in DINO), greater than 0
     * @param scope the step's manager; it owns the returned norms
     * @return {@code [n]} the pre-clip norms, in the order of {@code grads}
     */
    public static NDArray clip(List<NDArray> grads, double maxNorm, NDManager scope) {
        try (IValue out = module(scope).run("clip", list(grads), IValue.from(maxNorm))) {
            return out.toTensor((PtNDManager) scope);
        }
    }

    /**
     * PyTorch's AdamW (decoupled weight decay) on a list of parameters sharing lr and weight decay, with a step
     * count per parameter: the counts are incremented, then p <- p (1 - lr wd), m <- lerp(m, g, 1 - b1),
     * v <- b2 v + (1 - b2) g^2, p <- p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps).
     *
     * @param params the parameters
     * @param grads their gradients
     * @param expAvgs first moments
     * @param expAvgSqs second moments
     * @param steps per-parameter step counts, one-element float32 arrays ({@link #stepCount})
     * @param lr learning rate
     * @param weightDecay weight decay
     * @param beta1 first-moment decay
     * @param beta2 second-moment decay
     * @param eps denominator term
     * @param scope any manager on the parameters' device
     */
    public static void adamw(List<NDArray> params, List<NDArray> grads, List<NDArray> expAvgs,
                             List<NDArray> expAvgSqs, List<NDArray> steps, double lr, double weightDecay,
                             double beta1, double beta2, double eps, NDManager scope) {
        module(scope).run("adamw", list(params), list(grads), list(expAvgs), list(expAvgSqs), list(steps),
                IValue.from(lr), IValue.from(weightDecay), IValue.from(beta1), IValue.from(beta2),
                IValue.from(eps)).close();
    }

    /**
     * The teacher's EMA, theta_t <- m theta_t + (1 - m) theta_s, in place on {@code teacher}; the same arithmetic
     * as the official {@code param_k.mul_(m).add_((1 - m) * param_q)} (float32 tensors times the factors).
     *
     * @param teacher the teacher's parameters
     * @param student the student's, in the same order
     * @param momentum m
     * @param scope any manager on the parameters' device
     */
    public static void ema(List<NDArray> teacher, List<NDArray> student, double momentum, NDManager scope) {
        // the per-tensor update multiplies by (float) m and (float) (1 - m); pass exactly those values
        module(scope).run("ema", list(teacher), list(student), IValue.from((double) (float) momentum),
                IValue.from((double) (float) (1 - momentum))).close();
    }

    /**
     * A one-element float32 step count for {@link #adamw}, on {@code like}'s device.
     *
     * @param manager the owner (the optimiser's)
     * @param like an array on the target device
     * @param step the count
     * @return the count as an array
     * @throws IllegalArgumentException if the count is beyond float32's exact integers (2^24)
     */
    public static NDArray stepCount(NDManager manager, NDArray like, long step) {
        if (step < 0 || step >= 1L << 24) {
            throw new IllegalArgumentException("AdamW step count " + step + " is outside [0, 2^24), where the fused "
                    + "update's float32 counter is exact");
        }
        NDArray count = manager.zeros(new Shape(1), DataType.FLOAT32, like.getDevice());
        count.addi(step);
        return count;
    }

    /**
     * Compiles the module for {@code manager}'s device now (it is otherwise compiled on first use).
     *
     * @param manager any manager on the device
     * @throws IllegalStateException if the engine rejects it
     */
    static void compile(NDManager manager) {
        module(manager);
    }

    private static KernelModule module(NDManager scope) {
        return KernelModule.of(SOURCE, scope);
    }

    private static IValue list(List<NDArray> arrays) {
        if (arrays.isEmpty()) {
            throw new IllegalArgumentException("an empty tensor list");
        }
        return IValue.listFrom(arrays.stream().map(a -> (PtNDArray) a).toArray(PtNDArray[]::new));
    }
}
