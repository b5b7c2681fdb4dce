package org.dino4j.train.config;

/**
 * AdamW's moment decay rates; YAML {@code [beta1, beta2]}.
 *
 * @param beta1 decay of the first-moment (mean) estimate
 * @param beta2 decay of the second-moment (uncentred variance) estimate
 */
@AsList
public record AdamBetas(@Range(min = 0, max = 1, maxExclusive = true) double beta1,
                        @Range(min = 0, max = 1, maxExclusive = true) double beta2) {}
