package org.dino4j.train.config;

/**
 * The interval the Gaussian blur's standard deviation (in pixels) is drawn from uniformly; YAML {@code [min, max]}.
 *
 * @param min smallest sigma, positive
 * @param max largest sigma, at least {@code min}
 */
@AsList
public record BlurSigma(@Range(min = 0, minExclusive = true) double min,
                        @Range(min = 0, minExclusive = true) double max) {

    public BlurSigma {
        // an empty interval is a typo for [max, min]
        if (min > max) {
            throw new IllegalArgumentException("min " + min + " is greater than max " + max
                    + "; write the interval as [min, max]");
        }
    }
}
