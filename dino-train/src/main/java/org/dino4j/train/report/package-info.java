/**
 * What a run leaves for people to read: {@link org.dino4j.train.report.RunReport} writes {@code report.html} into a
 * run directory (key figures, training curves drawn by {@link org.dino4j.train.report.LinePlot}, attention maps and
 * PCA pictures of the teacher, configuration), read back from {@code metrics.jsonl} by
 * {@link org.dino4j.train.report.MetricsHistory}; {@link org.dino4j.train.report.Provenance} records what produced the
 * run ({@code provenance.yaml}).
 */
package org.dino4j.train.report;
