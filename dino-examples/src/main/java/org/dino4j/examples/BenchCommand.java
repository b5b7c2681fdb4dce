package org.dino4j.examples;

import org.dino4j.train.bench.StepBenchmark;
import org.dino4j.train.config.DinoConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code dino bench}: times the full training step of a configuration on synthetic crops. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Time the full DINO training step (teacher and student forward, loss, backward, clipping, "
                + "AdamW, EMA) on synthetic crops, without data loading.",
                "Prints every timed step, the median ms/step and images/s."},
        footer = {"", "Example:", "  dino bench --config configs/fmnist-tiny.yaml --steps 20 --warmup 3"})
final class BenchCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions configOptions;

    @Option(names = "--steps", defaultValue = "20", description = "Timed steps (default: ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", defaultValue = "3", description = "Untimed warm-up steps (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Spec
    CommandSpec spec;

    /** {@inheritDoc} */
    @Override
    public Integer call() {
        if (steps < 1 || warmup < 0) {
            throw new UserInputException("--steps must be >= 1 and --warmup >= 0, got " + steps + " and " + warmup);
        }
        DinoConfig config = configOptions.load();
        org.dino4j.train.loop.DinoTrainer.configureThreads(config.run().threads());
        StepBenchmark.Result r = StepBenchmark.run(config, warmup, steps);
        PrintWriter out = spec.commandLine().getOut();
        StringBuilder sb = new StringBuilder();
        for (double ms : r.stepMillis()) {
            sb.append(String.format(" %.0f", ms));
        }
        out.printf("steps (ms):%s%n", sb);
        out.printf("median %.1f ms/step, %.1f images/s (batch %d, %d crops)%n", r.medianMillis(), r.imagesPerSecond(),
                config.optim().batchSize(), 2 + config.crops().localCount());
        out.printf("native arrays alive: %d after warm-up, %d after the last step%n", r.liveArraysAfterWarmup(),
                r.liveArraysAtEnd());
        out.flush();
        return 0;
    }
}
