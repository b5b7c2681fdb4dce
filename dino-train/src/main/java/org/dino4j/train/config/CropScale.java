package org.dino4j.train.config;

/**
 * The interval of image-area fractions a random resized crop is drawn from; YAML {@code [min, max]}.
 *
 * @param min smallest fraction of the image area, in (0, 1]
 * @param max largest fraction of the image area, in (0, 1], at least {@code min}
 */
@AsList
public record CropScale(@Range(min = 0, max = 1, minExclusive = true) double min,
                        @Range(min = 0, max = 1, minExclusive = true) double max) {

    public CropScale {
        // an empty interval is a typo for [max, min]
        if (min > max) {
            throw new IllegalArgumentException("min " + min + " is greater than max " + max
                    + "; write the interval as [min, max]");
        }
    }
}
