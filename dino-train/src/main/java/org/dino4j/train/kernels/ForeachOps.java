package org.dino4j.train.kernels;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Whole-model parameter updates in one engine call each, through PyTorch's multi-tensor ({@code _foreach_*}) and
 * fused AdamW kernels: zeroing gradients, per-tensor gradient clipping, the AdamW update and the teacher's EMA.
 * Each computes what the per-tensor loops of {@link org.dino4j.train.optim.AdamW},
 * {@link org.dino4j.train.optim.GradientClipping} and {@link org.dino4j.train.teacher.EmaTeacher} compute (the EMA
 * bit for bit; clipping and AdamW up to float rounding: the norm is {@code torch.linalg_vector_norm} as in the
 * official code, and PyTorch's fused AdamW evaluates the update in its own order),
 * without a native call, a temporary and a Java-side loop iteration per parameter.
 *
 * <p>Arrays are passed in place: the lists' arrays are updated, nothing is returned to the model's manager. Lists
 * must not be empty.
 */
public final class ForeachOps {

    private ForeachOps() {}

    /**
     * Sets every array to zero.
     *
     * @param arrays gradients, usually
     * @param scope the step's manager (temporary views live there)
     */
    public static void zero(List<NDArray> arrays, NDManager scope) {
        module("  def zero(self, xs: List[Tensor]) -> Tensor:\n"
                + "    grad = torch.is_grad_enabled()\n"
                + "    torch.set_grad_enabled(False)\n"
                + "    torch._foreach_zero_(xs)\n"
                + "    torch.set_grad_enabled(grad)\n"
                + "    return xs[0]\n", scope).call("zero", named(scope, "xs", arrays).toArray(NDArray[]::new));
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
        String source = "  def clip(self, grads: List[Tensor]) -> Tensor:\n"
                + "    grad = torch.is_grad_enabled()\n"
                + "    torch.set_grad_enabled(False)\n"
                + "    norms = [torch.linalg_vector_norm(g) for g in grads]\n"
                + "    factors = torch._foreach_add(norms, 1e-06)\n"
                + "    torch._foreach_reciprocal_(factors)\n"
                + "    torch._foreach_mul_(factors, " + literal(maxNorm) + ")\n"
                + "    torch._foreach_clamp_max_(factors, 1.)\n"
                + "    torch._foreach_mul_(grads, factors)\n"
                + "    out = torch.stack(norms)\n"
                + "    torch.set_grad_enabled(grad)\n"
                + "    return out\n";
        return module(source, scope).call("clip", named(scope, "grads", grads).toArray(NDArray[]::new));
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
     * @param scope the step's manager
     */
    public static void adamw(List<NDArray> params, List<NDArray> grads, List<NDArray> expAvgs,
                             List<NDArray> expAvgSqs, List<NDArray> steps, double lr, double weightDecay,
                             double beta1, double beta2, double eps, NDManager scope) {
        String source = "  def adamw(self, params: List[Tensor], grads: List[Tensor], exp_avgs: List[Tensor],"
                + " exp_avg_sqs: List[Tensor], steps: List[Tensor], hyper: Tensor) -> Tensor:\n"
                + "    lr = float(hyper[0])\n"
                + "    wd = float(hyper[1])\n"
                + "    grad = torch.is_grad_enabled()\n"
                + "    torch.set_grad_enabled(False)\n"
                + "    torch._foreach_add_(steps, 1.)\n"
                + "    torch._fused_adamw_(params, grads, exp_avgs, exp_avg_sqs, annotate(List[Tensor], []), steps,"
                + " lr=lr, beta1=" + literal(beta1) + ", beta2=" + literal(beta2) + ", weight_decay=wd, eps="
                + literal(eps) + ", amsgrad=False, maximize=False)\n"
                + "    torch.set_grad_enabled(grad)\n"
                + "    return hyper\n";
        NDArray hyper = scope.create(new double[] {lr, weightDecay}).toDevice(params.get(0).getDevice(), false);
        List<NDArray> args = new ArrayList<>();
        args.addAll(named(scope, "params", params));
        args.addAll(named(scope, "grads", grads));
        args.addAll(named(scope, "exp_avgs", expAvgs));
        args.addAll(named(scope, "exp_avg_sqs", expAvgSqs));
        args.addAll(named(scope, "steps", steps));
        args.add(hyper);
        module(source, scope).call("adamw", args.toArray(NDArray[]::new));
    }

    /**
     * The teacher's EMA, theta_t <- m theta_t + (1 - m) theta_s, in place on {@code teacher}; the same arithmetic
     * as the official {@code param_k.mul_(m).add_((1 - m) * param_q)} (float32 factors).
     *
     * @param teacher the teacher's parameters
     * @param student the student's, in the same order
     * @param momentum m
     * @param scope the step's manager
     */
    public static void ema(List<NDArray> teacher, List<NDArray> student, double momentum, NDManager scope) {
        String source = "  def ema(self, teacher: List[Tensor], student: List[Tensor], factors: Tensor) -> Tensor:\n"
                + "    grad = torch.is_grad_enabled()\n"
                + "    torch.set_grad_enabled(False)\n"
                + "    scaled = torch._foreach_mul(student, float(factors[1]))\n"
                + "    torch._foreach_mul_(teacher, float(factors[0]))\n"
                + "    torch._foreach_add_(teacher, scaled)\n"
                + "    torch.set_grad_enabled(grad)\n"
                + "    return factors\n";
        // float32 factors, as the per-tensor update multiplies by (float) m and (float) (1 - m)
        NDArray factors = scope.create(new float[] {(float) momentum, (float) (1 - momentum)})
                .toDevice(teacher.get(0).getDevice(), false);
        List<NDArray> args = new ArrayList<>(named(scope, "teacher", teacher));
        args.addAll(named(scope, "student", student));
        args.add(factors);
        module(source, scope).call("ema", args.toArray(NDArray[]::new));
    }

    /** A one-element float32 step count on {@code like}'s device, owned by {@code manager}. */
    public static NDArray stepCount(NDManager manager, NDArray like, long step) {
        return manager.create(new float[] {step}).toDevice(like.getDevice(), false);
    }

    private static KernelModule module(String source, NDManager scope) {
        return KernelModule.of(source, scope);
    }

    // DJL groups the inputs named "<name>[]" into one list argument; the views carry the name, not the arrays.
    private static List<NDArray> named(NDManager scope, String name, List<NDArray> arrays) {
        if (arrays.isEmpty()) {
            throw new IllegalArgumentException("no arrays for '" + name + "'");
        }
        List<NDArray> out = new ArrayList<>(arrays.size());
        for (NDArray a : arrays) {
            NDArray v = org.dino4j.core.nn.DinoBlock.alias(a, scope);
            if (v == a) {
                v = a.get(scope, new ai.djl.ndarray.index.NDIndex("..."));
            }
            v.setName(name + "[]");
            out.add(v);
        }
        return out;
    }

    private static String literal(double v) {
        if (!Double.isFinite(v)) {
            throw new IllegalArgumentException("not a finite number: " + v);
        }
        String s = String.format(Locale.ROOT, "%.17g", v);
        return s.contains(".") || s.contains("e") ? s : s + ".";
    }
}
