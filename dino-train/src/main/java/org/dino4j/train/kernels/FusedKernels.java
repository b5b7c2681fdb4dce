package org.dino4j.train.kernels;

import ai.djl.ndarray.NDArray;
import org.dino4j.core.nn.Kernels;

/**
 * PyTorch's fused scaled-dot-product attention ({@code torch.nn.functional.scaled_dot_product_attention}: one kernel,
 * no {@code [B, heads, T, T]} score tensor kept for the backward pass) and, in {@link Precision#BF16}, bfloat16
 * linear layers with float32 inputs, outputs and master weights (PyTorch's autocast rule for {@code linear}: operands
 * are rounded to bfloat16, products accumulate in float32, the result is rounded to bfloat16 and returned as float32;
 * gradients flow back through the same casts; the bias is added in float32, after the product). The attention core
 * stays float32 in both precisions (see {@code attentionSource}).
 *
 * <p>In {@link Precision#BF16} the transformer MLP runs as one kernel, much as autocast would run it: fc1 with its bias
 * and the GELU in bfloat16, fc2's product in bfloat16; unlike autocast, fc2's result and bias are float32.
 *
 * <p>In float32 the attention differs from {@link Kernels#REFERENCE} only by rounding (the parity fixtures pass with
 * it) and the linear layer and the MLP are the reference ones.
 */
public final class FusedKernels implements Kernels {

    /** The precision of the matrix products. */
    public enum Precision {
        /** Float32 throughout. */
        FP32,
        /**
         * Bfloat16 operands for the linear layers and the MLP's hidden activation, float32 everywhere else (the
         * attention core included).
         */
        BF16
    }

    private static final int TORCH_FLOAT32 = 6;
    private static final int TORCH_BFLOAT16 = 15;

    private static final String LINEAR_BF16 = String.format(
            "  def linear(self, x: Tensor, w: Tensor, b: Tensor) -> Tensor:\n"
                    + "    return torch.add(torch.to(torch.linear(torch.to(x, %1$d), torch.to(w, %1$d)), %2$d), b)\n"
                    + "  def linear_nobias(self, x: Tensor, w: Tensor) -> Tensor:\n"
                    + "    return torch.to(torch.linear(torch.to(x, %1$d), torch.to(w, %1$d)), %2$d)\n",
            TORCH_BFLOAT16, TORCH_FLOAT32);

    // The MLP much as autocast runs it: fc1 (bias included) and the GELU in bfloat16, fc2's product in bfloat16;
    // unlike autocast, fc2's result and bias are float32 (the residual stream stays float32). The hidden activation,
    // the largest of a block, never exists in float32: no casts around it, half the memory traffic in the GELU and
    // half the memory autograd keeps for it.
    private static final String MLP_BF16 = String.format(
            "  def mlp(self, x: Tensor, w1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor) -> Tensor:\n"
                    + "    h = torch.gelu(torch.linear(torch.to(x, %1$d), torch.to(w1, %1$d), torch.to(b1, %1$d)))\n"
                    + "    return torch.add(torch.to(torch.linear(h, torch.to(w2, %1$d)), %2$d), b2)\n",
            TORCH_BFLOAT16, TORCH_FLOAT32);

    private final Precision precision;

    /**
     * @param precision the precision of the matrix products
     */
    public FusedKernels(Precision precision) {
        this.precision = precision;
    }

    /** The precision of the matrix products. */
    public Precision precision() {
        return precision;
    }

    @Override
    public String name() {
        return precision == Precision.FP32 ? "fused" : "fused-bf16";
    }

    @Override
    public NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        if (precision == Precision.FP32) {
            return REFERENCE.linear(x, weight, bias);
        }
        KernelModule m = KernelModule.of(LINEAR_BF16, x.getManager());
        return bias == null ? m.call("linear_nobias", x, weight) : m.call("linear", x, weight, bias);
    }

    @Override
    public NDArray mlp(NDArray x, NDArray w1, NDArray b1, NDArray w2, NDArray b2) {
        if (precision == Precision.FP32 || b1 == null || b2 == null) {
            return Kernels.super.mlp(x, w1, b1, w2, b2);
        }
        return KernelModule.of(MLP_BF16, x.getManager()).call("mlp", x, w1, b1, w2, b2);
    }

    @Override
    public NDArray attention(NDArray q, NDArray k, NDArray v, float scale) {
        return KernelModule.of(attentionSource(scale), q.getManager()).call("attention", q, k, v);
    }

    // The scale is a literal of the method: DJL passes only tensors to TorchScript methods. The double literal is
    // the float's exact value, so the kernel scales by the same number as the reference. The attention core runs in
    // float32 in both precisions: PyTorch's bfloat16 flash-attention CPU kernel made the bench-small step slower
    // (917-1,136 ms against 637 ms with a float32 core), while the products around it gain from bfloat16.
    private static String attentionSource(float scale) {
        return "  def attention(self, q: Tensor, k: Tensor, v: Tensor) -> Tensor:\n"
                + "    return torch.scaled_dot_product_attention(q, k, v, None, 0., False, scale="
                + Double.toString(scale) + ")\n";
    }

    /**
     * Compiles this precision's modules for {@code manager}'s device now (for a head width of 64; other widths
     * compile on first use).
     *
     * @param manager any manager on the device
     * @throws IllegalStateException if the engine rejects them
     */
    void compile(ai.djl.ndarray.NDManager manager) {
        KernelModule.of(attentionSource(0.125f), manager);
        if (precision == Precision.BF16) {
            KernelModule.of(LINEAR_BF16, manager);
        }
    }

    @Override
    public String toString() {
        return name();
    }
}
