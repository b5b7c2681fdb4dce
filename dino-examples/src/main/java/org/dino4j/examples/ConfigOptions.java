package org.dino4j.examples;

import org.dino4j.train.config.ConfigLoader;
import org.dino4j.train.config.DinoConfig;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The configuration options shared by the commands that load a configuration: {@code --config} and {@code --set}. */
final class ConfigOptions {

    @Option(names = "--config", paramLabel = "FILE",
            description = {"Experiment YAML file with the keys that differ from configs/default.yaml; repeatable,",
                    "later files win (e.g. --config configs/fmnist-tiny.yaml --config configs/dinov2.yaml)."})
    List<Path> files = new ArrayList<>();

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = {"Override one key after the file; repeatable, the value is YAML.",
                    "e.g. optim.lr=1e-3 or eval.knn_epochs=[0,5]"})
    List<String> overrides = new ArrayList<>();

    /** default.yaml &lt;- {@link #files} in order &lt;- {@link #overrides}, checked. */
    DinoConfig load() {
        return ConfigLoader.load(files, overrides);
    }

    /** The first configuration file, or null. */
    Path file() {
        return files.isEmpty() ? null : files.get(0);
    }
}
