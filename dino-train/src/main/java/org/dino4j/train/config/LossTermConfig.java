package org.dino4j.train.config;

/**
 * One user loss term: a name registered through {@code org.dino4j.train.objective.LossTermProvider} and its weight.
 *
 * @param type the registered name
 * @param weight the weight of the term in the total loss
 */
public record LossTermConfig(String type, @Range(min = 0) double weight) {}
