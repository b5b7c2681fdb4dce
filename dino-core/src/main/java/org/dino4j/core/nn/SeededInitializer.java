package org.dino4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.initializer.Initializer;

import java.util.SplittableRandom;

/**
 * A DJL {@link Initializer} that draws an {@link Init} from its own seeded generator on the JVM, so that a model's
 * initial weights depend only on the seed and the parameter's name, never on the engine's global RNG or on the
 * order in which parameters are created.
 */
public final class SeededInitializer implements Initializer {

    private static final double TRUNC_BOUND = 2.0;
    private final Init init;
    private final long seed;

    /**
     * @param init the distribution
     * @param seed the seed of this parameter's generator
     */
    public SeededInitializer(Init init, long seed) {
        this.init = init;
        this.seed = seed;
    }

    /** A seed that mixes the model seed with the parameter's full name. */
    public static long seedFor(long modelSeed, String parameterName) {
        long h = modelSeed * 0x9E3779B97F4A7C15L;
        for (int i = 0; i < parameterName.length(); i++) {
            h = (h ^ parameterName.charAt(i)) * 0x100000001B3L;
        }
        return h ^ (h >>> 31);
    }

    /** Draws the values on the JVM. */
    public float[] sample(long count) {
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("parameter too large for one array: " + count + " elements");
        }
        float[] out = new float[(int) count];
        SplittableRandom rng = new SplittableRandom(seed);
        double v = init.value();
        switch (init.kind()) {
            case CONSTANT -> java.util.Arrays.fill(out, (float) v);
            case UNIFORM -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) ((rng.nextDouble() * 2 - 1) * v);
                }
            }
            case TRUNC_NORMAL -> {
                for (int i = 0; i < out.length; i++) {
                    double x;
                    do {
                        x = gaussian(rng) * v;
                    } while (x < -TRUNC_BOUND || x > TRUNC_BOUND);
                    out[i] = (float) x;
                }
            }
            default -> throw new IllegalStateException("unknown init " + init.kind());
        }
        return out;
    }

    private static double gaussian(SplittableRandom rng) {
        // Box-Muller; SplittableRandom has no nextGaussian on Java 17.
        double u1;
        do {
            u1 = rng.nextDouble();
        } while (u1 == 0);
        double u2 = rng.nextDouble();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }

    /** {@inheritDoc} */
    @Override
    public NDArray initialize(NDManager manager, Shape shape, DataType dataType) {
        return manager.create(sample(shape.size()), shape).toType(dataType, false);
    }
}
