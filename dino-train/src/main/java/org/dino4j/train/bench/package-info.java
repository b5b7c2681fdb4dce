/**
 * Benchmarks (speed is measured and reported, never asserted): {@link org.dino4j.train.bench.StepBenchmark} times
 * the training step of a configuration with its FLOP rate, the engine's GEMM peak, MFU and memory;
 * {@link org.dino4j.train.bench.AugmentationBenchmark} measures the multi-crop augmentation's throughput.
 */
package org.dino4j.train.bench;
