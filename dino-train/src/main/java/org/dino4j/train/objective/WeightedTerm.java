package org.dino4j.train.objective;

/**
 * A loss term with its weight in the total loss.
 *
 * @param name the registered name (for logs)
 * @param term the term
 * @param weight its weight
 */
public record WeightedTerm(String name, LossTerm term, double weight) {}
