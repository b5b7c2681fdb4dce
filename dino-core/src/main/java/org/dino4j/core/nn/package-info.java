/**
 * Building blocks shared by backbones and heads: {@link org.dino4j.core.nn.DinoBlock} (DJL blocks with official
 * parameter names), {@link org.dino4j.core.nn.Linear}, {@link org.dino4j.core.nn.LayerNorm} and seeded
 * initialisation.
 */
package org.dino4j.core.nn;
