package org.dino4j.train.bench;

import org.dino4j.train.config.ConfigLoader;
import org.dino4j.train.config.DinoConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Configurations of the benchmark tests. */
final class BenchConfigs {

    /** The repository's bench-small configuration (tests run in the module directory). */
    static final Path BENCH_SMALL = Path.of("..", "configs", "bench-small.yaml");
    /** The repository's DINOv2 objective layer. */
    static final Path DINOV2 = Path.of("..", "configs", "dinov2.yaml");

    private BenchConfigs() {}

    /** A tiny run: patch 4, D 32, depth 2, 16 / 8 pixel crops (2 + 2), head 64, batch 4, one intra-op thread. */
    static DinoConfig tiny(String... extra) {
        return tiny(List.of(), extra);
    }

    /** {@link #tiny(String...)} layered over configuration files. */
    static DinoConfig tiny(List<Path> files, String... extra) {
        List<String> o = new ArrayList<>(List.of(
                "model.backbone.image_size=16", "model.backbone.patch_size=4", "model.backbone.embed_dim=32",
                "model.backbone.depth=2", "model.backbone.num_heads=2", "model.head.out_dim=64",
                "model.head.hidden_dim=32", "model.head.bottleneck_dim=16", "crops.global_size=16",
                "crops.local_size=8", "crops.local_count=2", "optim.batch_size=4", "run.threads=1"));
        o.addAll(List.of(extra));
        return ConfigLoader.load(files, o);
    }
}
