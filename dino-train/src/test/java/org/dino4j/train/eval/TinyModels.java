package org.dino4j.train.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import org.dino4j.core.backbone.VisionTransformer;
import org.dino4j.core.io.TensorArchive;
import org.dino4j.train.augment.FloatImage;
import org.dino4j.train.config.ConfigLoader;
import org.dino4j.train.config.DinoConfig;
import org.dino4j.train.kernels.KernelChoice;
import org.dino4j.train.loop.ModelFactory;
import org.dino4j.train.model.MultiCropNetwork;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SplittableRandom;

/** Tiny random models, checkpoints and images for the evaluation tests. */
public final class TinyModels {

    /** The checkpoint fixtures of dino-core (or the -Ddino.fixtures override). */
    public static Path fixtures() {
        String override = System.getProperty("dino.fixtures");
        return override != null && !override.isBlank() ? Path.of(override)
                : Path.of("..", "dino-core", "src", "test", "resources", "fixtures");
    }

    private TinyModels() {}

    /** A ViT with patch 4, D 32, depth 2, 2 heads, made for 16-pixel images. */
    static VisionTransformer vit(NDManager manager, long seed) {
        return vit(manager, seed, 0);
    }

    /** As {@link #vit(NDManager, long)}, with register tokens. */
    static VisionTransformer vit(NDManager manager, long seed, int registers) {
        VisionTransformer vit = VisionTransformer.builder().setPatchSize(4).setEmbedDim(32).setDepth(2)
                .setNumHeads(2).optImageSize(16).optRegisterTokens(registers).build();
        vit.initializeWeights(manager, seed);
        return vit;
    }

    /** A valid configuration of a tiny run (global crops 16, local 8, patch 4, D 32). */
    static DinoConfig config(String... extra) {
        List<String> o = new ArrayList<>(List.of(
                "model.backbone.image_size=16", "model.backbone.patch_size=4", "model.backbone.embed_dim=32",
                "model.backbone.depth=2", "model.backbone.num_heads=2", "model.head.out_dim=64",
                "model.head.hidden_dim=32", "model.head.bottleneck_dim=16", "crops.global_size=16",
                "crops.local_size=8", "crops.local_count=2", "crops.mean=[0.5,0.4,0.3]", "crops.std=[0.2,0.25,0.3]",
                "optim.batch_size=4"));
        o.addAll(List.of(extra));
        return ConfigLoader.load((Path) null, o);
    }

    /** The networks written into a test checkpoint. */
    record Networks(MultiCropNetwork student, MultiCropNetwork teacher) {}

    /**
     * Writes a checkpoint in the layout of a dino4j run ({@code student/}, {@code teacher/}, the resolved
     * configuration) with differently seeded student and teacher, so that a test can tell them apart.
     */
    static Networks writeCheckpoint(Path file, DinoConfig config, NDManager manager) throws IOException {
        MultiCropNetwork student = ModelFactory.student(config.model());
        MultiCropNetwork teacher = ModelFactory.teacher(config.model());
        // as CheckpointModels loads them
        student.useKernels(KernelChoice.forEvaluation(config.run()));
        teacher.useKernels(KernelChoice.forEvaluation(config.run()));
        student.initializeWeights(manager, 1);
        teacher.initializeWeights(manager, 2);
        LinkedHashMap<String, NDArray> tensors = new LinkedHashMap<>();
        student.stateDict().forEach((k, p) -> tensors.put("student/" + k, p.getArray()));
        teacher.stateDict().forEach((k, p) -> tensors.put("teacher/" + k, p.getArray()));
        JsonObject meta = new JsonObject();
        meta.addProperty("epoch", 1);
        meta.addProperty("resolved_config", ConfigLoader.toYaml(config));
        TensorArchive.write(file, tensors, meta);
        return new Networks(student, teacher);
    }

    /** A random RGB image in [0, 1]. */
    static FloatImage image(int height, int width, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        float[] data = new float[3 * height * width];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) rng.nextDouble();
        }
        return new FloatImage(3, height, width, data);
    }
}
