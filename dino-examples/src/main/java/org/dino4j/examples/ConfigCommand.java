package org.dino4j.examples;

import org.dino4j.train.config.ConfigLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code dino config}: checks a configuration as {@code train} would and prints it with every key resolved. */
@Command(name = "config", mixinStandardHelpOptions = true,
        description = {"Print the resolved configuration as YAML.",
                "The configuration is default.yaml <- --config FILE <- --set overrides, checked as 'dino train' checks it."},
        footer = {"", "Example:", "  dino config --config configs/fmnist-tiny.yaml --set optim.epochs=1"})
final class ConfigCommand implements Callable<Integer> {

    @Mixin
    ConfigOptions configOptions;

    @Spec
    CommandSpec spec;

    /** {@inheritDoc} */
    @Override
    public Integer call() {
        String yaml = ConfigLoader.toYaml(configOptions.load());
        PrintWriter out = spec.commandLine().getOut();
        out.print(yaml);
        out.flush();
        return 0;
    }
}
