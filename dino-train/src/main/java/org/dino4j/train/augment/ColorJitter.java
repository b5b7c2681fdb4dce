package org.dino4j.train.augment;

import java.util.SplittableRandom;

/**
 * torchvision's {@code ColorJitter}: brightness, contrast, saturation and hue adjustments applied in a random order,
 * each with a random factor. Brightness, contrast and saturation factors are uniform in
 * {@code [max(0, 1 - x), 1 + x]}; the hue shift is uniform in {@code [-hue, hue]} turns. An amount of 0 disables
 * that adjustment. The official DINO values are {@link #DINO} (0.4, 0.4, 0.2, 0.1).
 *
 * @param brightness brightness amount, {@code >= 0}
 * @param contrast contrast amount, {@code >= 0}
 * @param saturation saturation amount, {@code >= 0}
 * @param hue hue amount in turns, in [0, 0.5]
 */
public record ColorJitter(double brightness, double contrast, double saturation, double hue) {

    /** The official DINO jitter. */
    public static final ColorJitter DINO = new ColorJitter(0.4, 0.4, 0.2, 0.1);
    /** No jitter at all. */
    public static final ColorJitter NONE = new ColorJitter(0, 0, 0, 0);

    private static final int BRIGHTNESS = 0;
    private static final int CONTRAST = 1;
    private static final int SATURATION = 2;
    private static final int HUE = 3;

    /** Validates the amounts. */
    public ColorJitter {
        checkAmount("brightness", brightness);
        checkAmount("contrast", contrast);
        checkAmount("saturation", saturation);
        if (!(hue >= 0 && hue <= 0.5)) {
            throw new IllegalArgumentException("colour jitter hue must be in [0, 0.5] turns, got " + hue);
        }
    }

    private static void checkAmount(String name, double x) {
        if (!(x >= 0 && Double.isFinite(x))) {
            throw new IllegalArgumentException("colour jitter " + name + " must be finite and >= 0, got " + x);
        }
    }

    /**
     * Jitters a planar RGB image in place.
     *
     * @param buf {@code [3, plane]} values in [0, 1], starting at {@code off}
     * @param off first element
     * @param plane pixels per channel
     * @param rng the sample's generator
     */
    public void apply(float[] buf, int off, int plane, SplittableRandom rng) {
        CropPlanes p = CropPlanes.get(plane).load(buf, off, plane);
        apply(p, plane, rng);
        p.store(buf, off, plane);
    }

    /** As {@link #apply(float[], int, int, SplittableRandom)}, on the first {@code n} pixels of separate planes. */
    void apply(CropPlanes p, int n, SplittableRandom rng) {
        int[] order = {BRIGHTNESS, CONTRAST, SATURATION, HUE};
        for (int i = order.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        // All factors are drawn before any is applied, as torchvision's get_params does.
        float b = factor(rng, brightness);
        float c = factor(rng, contrast);
        float s = factor(rng, saturation);
        float h = hue > 0 ? (float) Draws.uniform(rng, -hue, hue) : 0f;
        for (int op : order) {
            switch (op) {
                case BRIGHTNESS -> {
                    if (brightness > 0) {
                        ColorOps.brightness(p, n, b);
                    }
                }
                case CONTRAST -> {
                    if (contrast > 0) {
                        ColorOps.contrast(p, n, c);
                    }
                }
                case SATURATION -> {
                    if (saturation > 0) {
                        ColorOps.saturation(p, n, s);
                    }
                }
                default -> ColorOps.hue(p, n, h);
            }
        }
    }

    private static float factor(SplittableRandom rng, double amount) {
        return amount > 0 ? (float) Draws.uniform(rng, Math.max(0, 1 - amount), 1 + amount) : 1f;
    }
}
