package org.dino4j.train.config;

/**
 * Random colour jitter ({@code crops.color_jitter}), applied with probability {@code p} in a random order of its four
 * adjustments, as torchvision's {@code ColorJitter}.
 *
 * @param p probability of jittering a crop
 * @param brightness brightness factor drawn from [1 - b, 1 + b]
 * @param contrast contrast factor drawn from [1 - c, 1 + c]
 * @param saturation saturation factor drawn from [1 - s, 1 + s]
 * @param hue hue shift drawn from [-h, h], in turns of the colour wheel
 */
public record ColorJitterConfig(@Range(min = 0, max = 1) double p,
                                @Range(min = 0) double brightness,
                                @Range(min = 0) double contrast,
                                @Range(min = 0) double saturation,
                                @Range(min = 0, max = 0.5) double hue) {}
