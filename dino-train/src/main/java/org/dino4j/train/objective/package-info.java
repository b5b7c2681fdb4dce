/**
 * The training objective and its extension points: {@link org.dino4j.train.objective.LossTerm} (student-side loss
 * terms, KoLeo built in), {@link org.dino4j.train.objective.TeacherTargetsProvider} (centring, Sinkhorn-Knopp) and
 * the {@link org.dino4j.train.objective.Registry} that resolves YAML names through {@link java.util.ServiceLoader}.
 */
package org.dino4j.train.objective;
