/** Benchmarks of the training step (speed is measured and reported, never asserted). */
package org.dino4j.train.bench;
