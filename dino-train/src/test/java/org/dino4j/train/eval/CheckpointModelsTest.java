package org.dino4j.train.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import org.dino4j.core.backbone.VisionTransformer;
import org.dino4j.core.interop.TrainingRole;
import org.dino4j.core.io.SafeTensors;
import org.dino4j.core.io.TensorArchive;
import org.dino4j.core.io.TensorManifest;
import org.dino4j.core.testing.ParityAssert;
import org.dino4j.train.augment.Normalization;
import org.dino4j.train.config.ConfigLoader;
import org.dino4j.train.config.DinoConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckpointModelsTest {

    @TempDir
    Path tmp;

    NDManager root;

    @BeforeEach
    void open() {
        root = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        root.close();
    }

    @Test
    void dino4jCheckpointGivesTeacherOrStudentBuiltFromItsConfiguration() throws IOException {
        DinoConfig config = TinyModels.config();
        Path file = tmp.resolve("checkpoint.zip");
        TinyModels.Networks nets = TinyModels.writeCheckpoint(file, config, root);
        NDArray x = root.randomUniform(0, 1, new Shape(2, 3, 16, 16));

        try (LoadedModel teacher = CheckpointModels.load(file, TrainingRole.TEACHER, root);
             LoadedModel student = CheckpointModels.load(file, TrainingRole.STUDENT, root)) {
            assertArrayEquals(nets.teacher().backbone().forward(x).cls().toFloatArray(),
                    teacher.backbone().forward(x).cls().toFloatArray());
            assertArrayEquals(nets.student().backbone().forward(x).cls().toFloatArray(),
                    student.backbone().forward(x).cls().toFloatArray());
            NDArray cls = teacher.backbone().forward(x).cls();
            assertArrayEquals(nets.teacher().head().forward(cls, false).toFloatArray(),
                    teacher.head().forward(cls, false).toFloatArray());
            assertEquals(config, teacher.config());
            assertEquals(new Normalization(List.of(0.5, 0.4, 0.3), List.of(0.2, 0.25, 0.3)), teacher.normalization());
            assertEquals(16, teacher.imageSize());
            assertEquals(4, teacher.patchSize());
            assertEquals("teacher of " + file + " (ViT patch 4, D 32, depth 2, 2 heads)", teacher.description());
        }
        assertEquals(config, CheckpointModels.config(file));
    }

    @Test
    void closingAModelFreesItsArrays() throws IOException {
        Path file = tmp.resolve("checkpoint.zip");
        try (NDManager scratch = root.newSubManager()) {
            TinyModels.writeCheckpoint(file, TinyModels.config(), scratch);
        }
        LoadedModel model = CheckpointModels.load(file, TrainingRole.TEACHER, root);
        assertTrue(model.manager().isOpen());
        model.close();
        assertFalse(model.manager().isOpen());
    }

    @Test
    void formatIsRecognisedFromTheContentNotTheName() throws IOException {
        Path dino4j = tmp.resolve("looks-like.pth");
        TinyModels.writeCheckpoint(dino4j, TinyModels.config(), root);
        Path safetensors = tmp.resolve("weights.bin");
        SafeTensors.write(safetensors, Map.of("a", root.ones(new Shape(2))), Map.of());
        Path garbage = Files.write(tmp.resolve("garbage.zip"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});

        assertEquals(CheckpointModels.Format.DINO4J, CheckpointModels.detect(dino4j));
        assertEquals(CheckpointModels.Format.PYTORCH, CheckpointModels.detect(fixture("dino_backbone.pth")));
        assertEquals(CheckpointModels.Format.SAFETENSORS, CheckpointModels.detect(safetensors));
        IOException e = assertThrows(IOException.class, () -> CheckpointModels.detect(garbage));
        assertEquals(garbage + " is not a checkpoint dino4j can read: expected a dino4j run checkpoint"
                + " (checkpoint.zip), a PyTorch file written by torch.save (.pth) or a safetensors file",
                e.getMessage());
        IOException missing = assertThrows(IOException.class,
                () -> CheckpointModels.load(tmp.resolve("absent.zip"), TrainingRole.TEACHER, root));
        assertEquals("checkpoint " + tmp.resolve("absent.zip") + " does not exist or is not a file",
                missing.getMessage());
    }

    @Test
    void officialBackboneReproducesTheOfficialOutput() throws IOException {
        TensorManifest fixture = TensorManifest.open(fixture("dino_backbone"));
        try (LoadedModel model = CheckpointModels.load(fixture("dino_backbone.pth"), TrainingRole.TEACHER, 3,
                root)) {
            NDArray x = fixture.load(root, "inputs/x");
            ParityAssert.assertMatches(fixture, "expected/cls", model.backbone().forward(x).cls());
            assertNull(model.head());
            assertNull(model.config());
            assertEquals(Normalization.IMAGENET, model.normalization());
            assertEquals(32, model.imageSize());
            assertEquals(3, ((VisionTransformer) model.backbone()).numHeads());
        }
    }

    @Test
    void officialDinov2BackboneWithRegisters() throws IOException {
        TensorManifest fixture = TensorManifest.open(fixture("dinov2_backbone"));
        try (LoadedModel model = CheckpointModels.load(fixture("dinov2_backbone.pth"), TrainingRole.TEACHER, 3,
                root)) {
            NDArray x = fixture.load(root, "inputs/x");
            var out = model.backbone().forward(x);
            ParityAssert.assertMatches(fixture, "expected/x_norm_clstoken", out.cls());
            ParityAssert.assertMatches(fixture, "expected/x_norm_patchtokens", out.patchTokens());
            assertTrue(model.description().endsWith("(ViT patch 4, D 48, depth 2, 3 heads, 2 registers)"),
                    model.description());
        }
    }

    @Test
    void headCountMustBeGivenWhenNeitherShapesNorArgumentsTellIt() {
        Path file = fixture("dino_backbone.pth");

        IOException e = assertThrows(IOException.class, () -> CheckpointModels.load(file, TrainingRole.TEACHER,
                root));

        assertEquals(file + ": the number of attention heads is not in the tensor shapes and cannot be inferred"
                + " (embed dim 48 is not a multiple of 64 and the file names no known architecture); give it"
                + " explicitly (a divisor of 48)", e.getMessage());
    }

    @Test
    void officialTrainingCheckpointGivesTheChosenNetworkWithItsHead() throws IOException {
        TensorManifest fixture = TensorManifest.open(fixture("dino_train_checkpoint"));
        Path file = fixture("dino_train_checkpoint.pth");
        NDArray x = fixture.load(root, "inputs/x");
        try (LoadedModel teacher = CheckpointModels.load(file, TrainingRole.TEACHER, root);
             LoadedModel student = CheckpointModels.load(file, TrainingRole.STUDENT, root)) {
            NDArray cls = teacher.backbone().forward(x).cls();
            ParityAssert.assertMatches(fixture, "expected/teacher_backbone_cls", cls);
            ParityAssert.assertMatches(fixture, "expected/teacher_output", teacher.head().forward(cls, false));
            ParityAssert.assertMatches(fixture, "expected/student_backbone_cls", student.backbone().forward(x).cls());
            assertEquals("teacher of " + file + " (ViT patch 4, D 48, depth 2, 3 heads)", teacher.description());
        }
    }

    @Test
    void exportedBackboneReloadsWithOfficialNamesAndTheSameOutputs() throws IOException {
        Path file = tmp.resolve("checkpoint.zip");
        TinyModels.writeCheckpoint(file, TinyModels.config(), root);
        Path out = tmp.resolve("backbone.safetensors");

        CheckpointModels.ExportSummary summary = CheckpointModels.exportSafetensors(file,
                CheckpointModels.Part.BACKBONE, 0, out, root);

        SafeTensors.Content written = SafeTensors.read(out);
        List<String> names = List.copyOf(written.tensors().keySet());
        assertEquals(List.of("cls_token", "pos_embed", "patch_embed.proj.weight", "patch_embed.proj.bias",
                "blocks.0.norm1.weight"), names.subList(0, 5));
        assertEquals("norm.bias", names.get(names.size() - 1));
        assertEquals(Map.of("format", "pt", "dino4j.part", "backbone", "dino4j.num_heads", "2",
                "dino4j.image_size", "16", "dino4j.mean", "0.5,0.4,0.3", "dino4j.std", "0.2,0.25,0.3"),
                written.metadata());
        assertEquals(names.size(), summary.tensors());
        NDArray x = root.randomUniform(0, 1, new Shape(2, 3, 16, 16));
        try (LoadedModel original = CheckpointModels.load(file, TrainingRole.TEACHER, root);
             LoadedModel reloaded = CheckpointModels.load(out, TrainingRole.TEACHER, root)) {
            assertArrayEquals(original.backbone().forward(x).tokens().toFloatArray(),
                    reloaded.backbone().forward(x).tokens().toFloatArray());
            assertEquals(original.normalization(), reloaded.normalization());
            assertEquals(16, reloaded.imageSize());
            assertNull(reloaded.head());
            assertEquals(original.backbone().block().parameterCount(false), summary.parameters());
        }
    }

    @Test
    void exportedStudentKeepsItsHead() throws IOException {
        Path file = tmp.resolve("checkpoint.zip");
        TinyModels.writeCheckpoint(file, TinyModels.config(), root);
        Path out = tmp.resolve("student.safetensors");

        CheckpointModels.exportSafetensors(file, CheckpointModels.Part.STUDENT, 0, out, root);

        assertTrue(SafeTensors.read(out).tensors().containsKey("head.last_layer.weight_v"));
        assertTrue(SafeTensors.read(out).tensors().containsKey("backbone.cls_token"));
        NDArray x = root.randomUniform(0, 1, new Shape(2, 3, 16, 16));
        try (LoadedModel original = CheckpointModels.load(file, TrainingRole.STUDENT, root);
             LoadedModel reloaded = CheckpointModels.load(out, TrainingRole.TEACHER, root)) {
            NDArray cls = original.backbone().forward(x).cls();
            assertArrayEquals(cls.toFloatArray(), reloaded.backbone().forward(x).cls().toFloatArray());
            assertArrayEquals(original.head().forward(cls, false).toFloatArray(),
                    reloaded.head().forward(cls, false).toFloatArray());
        }
    }

    @Test
    void aBackboneOnlyFileHasNoWholeNetworkToExport() {
        Path file = fixture("dinov2_backbone.pth");

        IOException e = assertThrows(IOException.class, () -> CheckpointModels.exportSafetensors(file,
                CheckpointModels.Part.TEACHER, 3, tmp.resolve("x.safetensors"), root));

        assertEquals(file + " holds a backbone only, so there is no whole teacher to export; export the backbone"
                + " instead", e.getMessage());
        assertFalse(Files.exists(tmp.resolve("x.safetensors")));
    }

    @Test
    void aCheckpointThatDoesNotFitItsConfigurationIsReported() throws IOException {
        Path file = tmp.resolve("checkpoint.zip");
        TinyModels.writeCheckpoint(file, TinyModels.config(), root);
        // the same tensors under a configuration with a wider head
        Path other = tmp.resolve("other.zip");
        TensorArchive.Content content = TensorArchive.read(file);
        JsonObject meta = content.metadata().deepCopy();
        meta.addProperty("resolved_config", ConfigLoader.toYaml(TinyModels.config("model.head.out_dim=128")));
        LinkedHashMap<String, NDArray> tensors = new LinkedHashMap<>();
        content.tensors().forEach((k, t) -> tensors.put(k, t.toNDArray(root)));
        TensorArchive.write(other, tensors, meta);

        IOException e = assertThrows(IOException.class, () -> CheckpointModels.load(other, TrainingRole.TEACHER,
                root));

        assertTrue(e.getMessage().startsWith(other + " does not fit the model of its own configuration: state dict"
                + " does not match MultiCropNetwork; wrong shape: [head.last_layer.weight_g (expected (128, 1), got"
                + " (64, 1))"), e.getMessage());
    }

    private static Path fixture(String name) {
        return TinyModels.fixtures().resolve("checkpoints").resolve(name);
    }
}
