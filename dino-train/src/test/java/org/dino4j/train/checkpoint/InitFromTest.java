package org.dino4j.train.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.dino4j.core.interop.OfficialCheckpoints;
import org.dino4j.core.io.TensorManifest;
import org.dino4j.core.io.TorchTensor;
import org.dino4j.core.target.CenteringSharpening;
import org.dino4j.core.target.SinkhornKnopp;
import org.dino4j.core.testing.ParityAssert;
import org.dino4j.train.config.ConfigLoader;
import org.dino4j.train.config.DinoConfig;
import org.dino4j.train.eval.TinyModels;
import org.dino4j.train.loop.ModelFactory;
import org.dino4j.train.model.MultiCropNetwork;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code model.init_from}: official DINO training checkpoints and backbone weights start a run, with the official
 * outputs reproduced, and every mismatch explained.
 */
class InitFromTest {

    /** The architecture of the checkpoint fixtures: img 32, patch 4, D 48, depth 2, 3 heads, head 64/32/256. */
    private static final List<String> FIXTURE_MODEL = List.of("model.backbone.image_size=32",
            "model.backbone.patch_size=4", "model.backbone.embed_dim=48", "model.backbone.depth=2",
            "model.backbone.num_heads=3", "model.head.out_dim=256", "model.head.hidden_dim=64",
            "model.head.bottleneck_dim=32", "crops.global_size=32", "crops.local_size=16");

    @TempDir
    Path tmp;

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void anOfficialTrainingCheckpointRestoresStudentTeacherAndCentre() throws IOException {
        TensorManifest f = fixture("dino_train_checkpoint");
        Networks n = networks(config());
        CenteringSharpening centre = new CenteringSharpening(manager, 256);

        String what = InitFrom.apply(pth("dino_train_checkpoint"), n.student, n.teacher, centre);

        assertTrue(what.startsWith("DINO training checkpoint of epoch 2"), what);
        assertFalse(what.contains("iBOT"), what);
        NDArray x = f.load(manager, "inputs/x");
        ParityAssert.assertMatches(f, "expected/student_backbone_cls", n.student.backbone().forward(x).cls());
        NDArray cls = n.teacher.backbone().forward(x).cls();
        ParityAssert.assertMatches(f, "expected/teacher_backbone_cls", cls);
        ParityAssert.assertMatches(f, "expected/teacher_output", n.teacher.head().forward(cls, false));
        assertArrayEquals(f.floats("expected/center"), centre.centerValues(), 0f);
    }

    @Test
    void withSinkhornTheCentreIsLeftOutAndSaidSo() throws IOException {
        Networks n = networks(config());

        String what = InitFrom.apply(pth("dino_train_checkpoint"), n.student, n.teacher, new SinkhornKnopp());

        assertTrue(what.contains("centre not used"), what);
    }

    @Test
    void backboneWeightsStartBothBackbonesAndLeaveTheHeadsFresh() throws IOException {
        TensorManifest f = fixture("dino_backbone");
        Networks n = networks(config());
        float[] freshHead = n.student.head().block().stateDict().get("mlp.0.weight").getArray().toFloatArray();

        String what = InitFrom.apply(pth("dino_backbone"), n.student, n.teacher, new SinkhornKnopp());

        assertTrue(what.contains("fresh heads"), what);
        NDArray x = f.load(manager, "inputs/x");
        ParityAssert.assertMatches(f, "expected/cls", n.student.backbone().forward(x).cls());
        ParityAssert.assertMatches(f, "expected/cls", n.teacher.backbone().forward(x).cls());
        assertArrayEquals(freshHead,
                n.student.head().block().stateDict().get("mlp.0.weight").getArray().toFloatArray(), 0f);
    }

    @Test
    void aDinov2BackboneLoadsIntoTheMatchingConfiguration() throws IOException {
        TensorManifest f = fixture("dinov2_backbone");
        // registers, LayerScale; without iBOT the run's ViT has no mask token, so the file's is left out
        Networks n = networks(config("model.backbone.num_register_tokens=2", "model.backbone.layer_scale=1.0e-5"));

        String what = InitFrom.apply(pth("dinov2_backbone"), n.student, n.teacher, new SinkhornKnopp());

        assertTrue(what.contains("mask_token not used"), what);
        NDArray x = f.load(manager, "inputs/x");
        ParityAssert.assertMatches(f, "expected/x_norm_clstoken", n.teacher.backbone().forward(x).cls());
    }

    @Test
    void dinoWeightsInAnIbotRunKeepTheFreshMaskToken() throws IOException {
        DinoConfig c = config("objective.ibot_weight=1.0");
        MultiCropNetwork student = ModelFactory.student(c.model(), c.objective());
        MultiCropNetwork teacher = ModelFactory.teacher(c.model(), c.objective());
        student.initializeWeights(manager, 0);
        teacher.initializeWeights(manager, 0);
        float[] mask = student.backbone().block().stateDict().get("mask_token").getArray().toFloatArray();

        String what = InitFrom.apply(pth("dino_backbone"), student, teacher, new SinkhornKnopp());

        assertTrue(what.contains("fresh mask_token"), what);
        assertArrayEquals(mask, student.backbone().block().stateDict().get("mask_token").getArray().toFloatArray(),
                0f);
    }

    @Test
    void anotherArchitectureIsExplainedInTheConfigurationsTerms() {
        Networks n = networks(config("model.backbone.depth=3"));

        IOException e = assertThrows(IOException.class,
                () -> InitFrom.apply(pth("dino_backbone"), n.student, n.teacher, new SinkhornKnopp()));

        String m = e.getMessage();
        assertTrue(m.startsWith("cannot start from " + pth("dino_backbone") + ": checkpoint does not match"
                + " VisionTransformer; missing: [blocks.2.norm1.weight"), m);
        assertTrue(m.contains("The file holds a ViT (image_size: 32, patch_size: 4, embed_dim: 48, depth: 2,"), m);
        assertTrue(m.contains("the configuration builds a ViT (image_size: 32, patch_size: 4, embed_dim: 48,"
                + " depth: 3,"), m);
    }

    @Test
    void aHeadOfAnotherSizeIsNamed() {
        Networks n = networks(config("model.head.out_dim=128"));

        IOException e = assertThrows(IOException.class, () -> InitFrom.apply(pth("dino_train_checkpoint"),
                n.student, n.teacher, new CenteringSharpening(manager, 128)));

        assertTrue(e.getMessage().contains("the student head does not match model.head"), e.getMessage());
        assertTrue(e.getMessage().contains("last_layer.weight_v"), e.getMessage());
    }

    @Test
    void aResnetExportStartsAResnetRun() throws IOException {
        DinoConfig c = config("model.backbone.type=resnet", "model.backbone.depth=18");
        Networks source = networks(c, 7);
        Path file = tmp.resolve("resnet18.safetensors");
        OfficialCheckpoints.exportSafetensors(file, source.teacher.backbone(), null, Map.of("format", "pt"));
        Networks n = networks(c, 0);

        String what = InitFrom.apply(file, n.student, n.teacher, new SinkhornKnopp());

        assertTrue(what.contains("fresh heads"), what);
        NDArray x = manager.randomUniform(0, 1, new ai.djl.ndarray.types.Shape(2, 3, 32, 32));
        assertArrayEquals(source.teacher.backbone().forward(x).cls().toFloatArray(),
                n.teacher.backbone().forward(x).cls().toFloatArray(), 0f);
    }

    @Test
    void aMissingOrCorruptFileIsAnError() throws IOException {
        Networks n = networks(config());
        IOException missing = assertThrows(IOException.class,
                () -> InitFrom.apply(tmp.resolve("nope.pth"), n.student, n.teacher, new SinkhornKnopp()));
        assertTrue(missing.getMessage().contains("is not a file"), missing.getMessage());

        Path broken = tmp.resolve("broken.pth");
        byte[] bytes = Files.readAllBytes(pth("dino_backbone"));
        Files.write(broken, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        IOException truncated = assertThrows(IOException.class,
                () -> InitFrom.apply(broken, n.student, n.teacher, new SinkhornKnopp()));
        assertTrue(truncated.getMessage().contains(broken.toString()), truncated.getMessage());
    }

    @Test
    void theFileDescribesItsArchitecture() throws IOException {
        Map<String, TorchTensor> swiglu = OfficialCheckpoints.readBackbone(pth("dinov2_backbone_swiglu"),
                org.dino4j.core.interop.TrainingRole.TEACHER);
        String d = InitFrom.describe(swiglu);
        assertTrue(d.contains("num_register_tokens: 2") && d.contains("layer_scale: on") && d.contains("ffn: swiglu"),
                d);
        assertFalse(d.contains("no recognisable"), d);
    }

    private record Networks(MultiCropNetwork student, MultiCropNetwork teacher) {}

    private Networks networks(DinoConfig c) {
        return networks(c, 0);
    }

    private Networks networks(DinoConfig c, long seed) {
        MultiCropNetwork student = ModelFactory.student(c.model(), c.objective());
        MultiCropNetwork teacher = ModelFactory.teacher(c.model(), c.objective());
        student.initializeWeights(manager, seed);
        teacher.initializeWeights(manager, seed);
        return new Networks(student, teacher);
    }

    private static DinoConfig config(String... extra) {
        List<String> o = new ArrayList<>(FIXTURE_MODEL);
        o.addAll(List.of(extra));
        return ConfigLoader.load((Path) null, o);
    }

    private static TensorManifest fixture(String name) throws IOException {
        return TensorManifest.open(TinyModels.fixtures().resolve("checkpoints").resolve(name));
    }

    private static Path pth(String name) {
        return TinyModels.fixtures().resolve("checkpoints").resolve(name + ".pth");
    }
}
