/**
 * Run configuration: immutable records, one per YAML section, rooted at {@link org.dino4j.train.config.DinoConfig},
 * and the {@link org.dino4j.train.config.ConfigLoader} that layers {@code configs/default.yaml} &lt;- an experiment
 * file &lt;- {@code --set a.b=c} overrides (the layering of the DINOv2 configs) and binds the result.
 *
 * <p>YAML keys are the snake_case forms of the record components ({@code drop_path_rate} binds
 * {@code dropPathRate}). Constraints sit next to the component they constrain ({@link
 * org.dino4j.train.config.Range}, {@link org.dino4j.train.config.Size}, {@link org.dino4j.train.config.Nullable}),
 * so a new section is one record plus its keys in {@code default.yaml}; the loader needs no change. Checks that
 * involve several keys (crop sizes divisible by the patch size, ...) run once after binding.
 */
package org.dino4j.train.config;
