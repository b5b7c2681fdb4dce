package org.dino4j.train.augment;

import java.util.SplittableRandom;

/** Random draws shared by the augmentation operations. */
final class Draws {

    private Draws() {
    }

    /** Uniform in [a, b); returns {@code a} when the range is empty, as torch's {@code uniform_(a, a)} does. */
    static double uniform(SplittableRandom rng, double a, double b) {
        return a + (b - a) * rng.nextDouble();
    }

    /**
     * A Bernoulli draw with probability {@code p}: true when a uniform draw falls below {@code p}, so p = 0 never
     * and p = 1 always applies.
     */
    static boolean chance(SplittableRandom rng, double p) {
        return rng.nextDouble() < p;
    }

    /** Fails unless {@code p} is a probability. */
    static double checkProbability(String name, double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException(name + " must be a probability in [0, 1], got " + p);
        }
        return p;
    }
}
