package org.dino4j.core.nn;

/**
 * How a parameter starts, named after the official initialisers.
 *
 * <p>{@link Kind#TRUNC_NORMAL} is timm's {@code trunc_normal_(std)} with absolute bounds +-2 (about +-100 sigma for
 * std 0.02, so in practice a plain normal). {@link Kind#UNIFORM} draws from U(-bound, bound), which is what
 * PyTorch's default {@code kaiming_uniform_(a=sqrt(5))} amounts to with bound = 1/sqrt(fan_in), for both weights
 * and biases of {@code Linear} and {@code Conv2d}.
 *
 * @param kind the distribution
 * @param value std for a normal, bound for a uniform, the fill value for a constant
 */
public record Init(Kind kind, double value) {

    /** The distributions used by the official code. */
    public enum Kind {
        /** Normal with std {@code value}, redrawn outside the absolute bounds +-2. */
        TRUNC_NORMAL,
        /** Uniform on [-value, value). */
        UNIFORM,
        /** Every element equal to {@code value}. */
        CONSTANT
    }

    /** The official ViT / head initialisation for linear weights, CLS token and positional embedding. */
    public static Init truncNormal(double std) {
        return new Init(Kind.TRUNC_NORMAL, std);
    }

    /** PyTorch's default init for {@code Linear} / {@code Conv2d} weights and biases: U(+-1/sqrt(fanIn)). */
    public static Init pytorchDefault(long fanIn) {
        return new Init(Kind.UNIFORM, 1.0 / Math.sqrt(fanIn));
    }

    /** All zeros. */
    public static Init zeros() {
        return new Init(Kind.CONSTANT, 0);
    }

    /** All ones. */
    public static Init ones() {
        return new Init(Kind.CONSTANT, 1);
    }
}
