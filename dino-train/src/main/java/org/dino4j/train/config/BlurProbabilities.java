package org.dino4j.train.config;

/**
 * How often each kind of crop is blurred; YAML {@code [first_global, second_global, local]}. DINO blurs the first
 * global view always and the second rarely, so that the two teacher views differ in sharpness.
 *
 * @param firstGlobal probability for the first global crop (1.0 in DINO)
 * @param secondGlobal probability for the second global crop (0.1 in DINO)
 * @param local probability for each local crop (0.5 in DINO)
 */
@AsList
public record BlurProbabilities(@Range(min = 0, max = 1) double firstGlobal,
                                @Range(min = 0, max = 1) double secondGlobal,
                                @Range(min = 0, max = 1) double local) {}
