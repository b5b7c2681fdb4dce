package org.dino4j.core.interop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonObject;
import org.dino4j.core.backbone.BackboneOutput;
import org.dino4j.core.backbone.Ffn;
import org.dino4j.core.backbone.PositionalEmbedding;
import org.dino4j.core.backbone.VisionTransformer;
import org.dino4j.core.backbone.VitConfig;
import org.dino4j.core.head.DinoHead;
import org.dino4j.core.io.CheckpointFixtures;
import org.dino4j.core.io.PythonTuple;
import org.dino4j.core.io.TensorManifest;
import org.dino4j.core.io.TorchTensor;
import org.dino4j.core.testing.ParityAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Official checkpoint files load by name and reproduce the official outputs. */
class OfficialCheckpointsTest {

    @Test
    void releasedDinoBackboneWeightsReproduceTheOfficialOutputs() throws IOException {
        TensorManifest f = CheckpointFixtures.open("dino_backbone");
        LinkedHashMap<String, TorchTensor> w = OfficialCheckpoints.readBackbone(CheckpointFixtures.pth(f),
                TrainingRole.TEACHER);
        assertEquals(f.names("params"), new ArrayList<>(w.keySet()));
        // D = 48 is not a multiple of 64, so the head count is left to the caller
        assertEquals("number of heads must be positive, got 0; set it with setNumHeads (e.g. 6 for ViT-S)",
                assertThrows(IllegalArgumentException.class, () -> OfficialCheckpoints.vitBuilder(w).build())
                        .getMessage());
        VisionTransformer vit = OfficialCheckpoints.vitBuilder(w).setNumHeads(3).build();
        assertEquals(new VitConfig(32, 4, 3, 48, 2, 3, 4, true, 0, 1e-6f), vit.config());
        try (NDManager m = NDManager.newBaseManager()) {
            vit.initializeWeights(m, 0);
            LoadReport report = OfficialCheckpoints.load(vit, w, Strictness.STRICT);
            assertEquals(30, report.loaded().size());
            assertTrue(report.ignored().isEmpty());
            BackboneOutput out = vit.forward(f.load(m, "inputs/x"));
            ParityAssert.assertMatches(f, "expected/cls", out.cls());
            ParityAssert.assertMatches(f, "expected/tokens_norm", out.tokens());
        }
    }

    @Test
    void aFullDinoTrainingCheckpointReadsByName() throws IOException {
        TensorManifest f = CheckpointFixtures.open("dino_train_checkpoint");
        DinoTrainingCheckpoint c = OfficialCheckpoints.readDinoTraining(CheckpointFixtures.pth(f));
        assertEquals(2, c.epoch());
        assertEquals("vit_tiny", c.args().get("arch"));
        assertEquals(4L, c.args().get("patch_size"));
        assertEquals(true, c.args().get("norm_last_layer"));
        assertEquals(new PythonTuple(List.of(0.4, 1.0)), c.args().get("global_crops_scale"));
        assertEquals(null, c.fp16Scaler());
        assertArrayEquals(f.floats("expected/center"), c.center().floats(), 0f);
        assertEquals(38, c.student().size());
        assertTrue(c.student().keySet().stream().noneMatch(k -> k.startsWith("module.")), "DDP prefix removed");
        assertEquals(List.copyOf(c.student().keySet()), List.copyOf(c.teacher().keySet()));
        for (String n : c.student().keySet()) {
            assertArrayEquals(f.floats("params/student/module." + n), c.student().get(n).floats(), 0f, n);
            assertArrayEquals(f.floats("params/teacher/" + n), c.teacher().get(n).floats(), 0f, n);
        }

        // optimizer: index -> name as documented, moments bit-exact, steps as recorded
        JsonObject indexToName = f.config().getAsJsonObject("optimizer_index_to_param_name");
        assertEquals(indexToName.size(), c.optimizerState().size());
        List<String> byIndex = new ArrayList<>();
        c.paramGroups().forEach(g -> byIndex.addAll(g.params()));
        for (String index : indexToName.keySet()) {
            String name = indexToName.get(index).getAsString().substring("module.".length());
            assertEquals(name, byIndex.get(Integer.parseInt(index)), "index " + index);
            AdamMoments a = c.optimizerState().get(name);
            String prefix = "params/optimizer/state/" + index + "/";
            assertArrayEquals(f.floats(prefix + "exp_avg"), a.expAvg().floats(), 0f, name);
            assertArrayEquals(f.floats(prefix + "exp_avg_sq"), a.expAvgSq().floats(), 0f, name);
            assertEquals((long) f.floats(prefix + "step")[0], a.step(), name);
            assertEquals(name.equals("head.last_layer.weight_v") ? 1 : 2, a.step(), name);
        }
        assertTrue(!c.optimizerState().containsKey("head.last_layer.weight_g"), "frozen: no optimizer state");
        OptimizerParamGroup g0 = c.paramGroups().get(0);
        OptimizerParamGroup g1 = c.paramGroups().get(1);
        com.google.gson.JsonArray groups = f.json().getAsJsonObject("checkpoint").getAsJsonObject("python_values")
                .getAsJsonArray("optimizer_param_groups");
        JsonObject first = groups.get(0).getAsJsonObject();
        assertEquals(first.getAsJsonObject("lr").get("value").getAsDouble(), g0.lr(), "numpy.float64 lr");
        assertEquals(first.getAsJsonObject("weight_decay").get("value").getAsDouble(), g0.weightDecay());
        assertEquals(0.0, g1.weightDecay());
        assertEquals(0.9, g1.beta1());
        assertEquals(0.999, g1.beta2());
        assertEquals(1e-8, g1.eps());
    }

    /** A deep, modifiable copy of an unpickled tree (maps and lists), to build layout variants. */
    @SuppressWarnings("unchecked")
    private static Object copy(Object v) {
        if (v instanceof Map<?, ?> m) {
            LinkedHashMap<Object, Object> out = new LinkedHashMap<>();
            m.forEach((k, x) -> out.put(k, copy(x)));
            return out;
        }
        if (v instanceof List<?> l) {
            return new ArrayList<>(l.stream().map(OfficialCheckpointsTest::copy).toList());
        }
        return v;
    }

    @Test
    @SuppressWarnings("unchecked")
    void integerStepsAndMissingArgsAreHandled() throws IOException {
        TensorManifest f = CheckpointFixtures.open("dino_train_checkpoint");
        Map<Object, Object> root = (Map<Object, Object>) copy(
                org.dino4j.core.io.PthReader.read(CheckpointFixtures.pth(f)));
        // torch < 1.12 stored the step as a Python int; and without args, the frozen weight_g is found by counting
        Map<Object, Object> state = (Map<Object, Object>) ((Map<Object, Object>) root.get("optimizer")).get("state");
        state.values().forEach(s -> ((Map<Object, Object>) s).put("step", 7L));
        root.remove("args");
        DinoTrainingCheckpoint c = OfficialCheckpoints.dinoTraining(root);
        assertEquals(37, c.optimizerState().size());
        assertTrue(c.optimizerState().values().stream().allMatch(a -> a.step() == 7));
        assertEquals("head.last_layer.weight_v", c.paramGroups().get(0).params().get(14));
        assertTrue(c.args().isEmpty());
        Object optimizer = root.remove("optimizer");
        DinoTrainingCheckpoint noOptimizer = OfficialCheckpoints.dinoTraining(root);
        assertTrue(noOptimizer.optimizerState().isEmpty() && noOptimizer.paramGroups().isEmpty());
        root.put("optimizer", optimizer);

        // an optimizer state that does not fit the student is named
        ((Map<Object, Object>) root.get("student")).remove("module.head.mlp.4.bias");
        assertEquals("optimizer param group 1 has 22 parameters but the student has 21 non-regularised trainable"
                + " parameters: [backbone.patch_embed.proj.bias, backbone.blocks.0.norm1.weight,"
                + " backbone.blocks.0.norm1.bias, backbone.blocks.0.attn.qkv.bias, backbone.blocks.0.attn.proj.bias,"
                + " backbone.blocks.0.norm2.weight, backbone.blocks.0.norm2.bias, backbone.blocks.0.mlp.fc1.bias,"
                + " backbone.blocks.0.mlp.fc2.bias, backbone.blocks.1.norm1.weight, backbone.blocks.1.norm1.bias,"
                + " backbone.blocks.1.attn.qkv.bias, backbone.blocks.1.attn.proj.bias, backbone.blocks.1.norm2.weight,"
                + " backbone.blocks.1.norm2.bias, backbone.blocks.1.mlp.fc1.bias, backbone.blocks.1.mlp.fc2.bias,"
                + " backbone.norm.weight, backbone.norm.bias, head.mlp.0.bias] and 1 more",
                assertThrows(IllegalArgumentException.class, () -> OfficialCheckpoints.dinoTraining(root))
                        .getMessage());
    }

    @Test
    void theTrainingCheckpointsNetworksReproduceTheOfficialOutputs() throws IOException {
        TensorManifest f = CheckpointFixtures.open("dino_train_checkpoint");
        DinoTrainingCheckpoint c = OfficialCheckpoints.readDinoTraining(CheckpointFixtures.pth(f));
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = f.load(m, "inputs/x");
            VisionTransformer student = OfficialCheckpoints.vitBuilder(c.studentBackbone(), c.args()).build();
            assertEquals(3, student.numHeads(), "heads from args.arch");
            assertEquals(0.1, student.config().dropPathRate(), "drop path from args");
            student.initializeWeights(m, 0);
            OfficialCheckpoints.load(student, c.studentBackbone(), Strictness.STRICT);
            ParityAssert.assertMatches(f, "expected/student_backbone_cls", student.forward(x).cls());

            VisionTransformer teacher = OfficialCheckpoints.vitBuilder(c.teacherBackbone(), c.args())
                    .optDropPathRate(0).build();
            teacher.initializeWeights(m, 0);
            OfficialCheckpoints.load(teacher, c.teacherBackbone(), Strictness.STRICT);
            NDArray cls = teacher.forward(x).cls();
            ParityAssert.assertMatches(f, "expected/teacher_backbone_cls", cls);

            DinoHead head = OfficialCheckpoints.dinoHeadBuilder(c.teacherHead())
                    .optNormLastLayer(Boolean.TRUE.equals(c.args().get("norm_last_layer"))).build();
            assertEquals(48, head.inDim());
            assertEquals(64, head.hiddenDim());
            assertEquals(32, head.bottleneckDim());
            assertEquals(256, head.outDim());
            assertEquals(3, head.numLayers());
            head.initializeWeights(m, 0);
            OfficialCheckpoints.load(head, c.teacherHead(), Strictness.STRICT);
            ParityAssert.assertMatches(f, "expected/teacher_output", head.forward(cls, false));
        }
    }

    @Test
    void theBackboneOfATrainingCheckpointIsAnExplicitPartialRead() throws IOException {
        TensorManifest f = CheckpointFixtures.open("dino_train_checkpoint");
        Map<String, TorchTensor> teacher = OfficialCheckpoints.readBackbone(CheckpointFixtures.pth(f),
                TrainingRole.TEACHER);
        Map<String, TorchTensor> student = OfficialCheckpoints.readBackbone(CheckpointFixtures.pth(f),
                TrainingRole.STUDENT);
        assertEquals(30, teacher.size());
        assertEquals(teacher.keySet(), student.keySet());
        assertArrayEquals(f.floats("params/teacher/backbone.norm.weight"), teacher.get("norm.weight").floats(), 0f);
        assertArrayEquals(f.floats("params/student/module.backbone.norm.weight"), student.get("norm.weight").floats(),
                0f);
        // the whole student into a backbone: the head tensors are unexpected unless skipped explicitly
        DinoTrainingCheckpoint c = OfficialCheckpoints.readDinoTraining(CheckpointFixtures.pth(f));
        Map<String, TorchTensor> whole = OfficialCheckpoints.withPrefix(c.student(), "");
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = OfficialCheckpoints.vitBuilder(c.studentBackbone(), c.args()).build();
            vit.initializeWeights(m, 0);
            LinkedHashMap<String, TorchTensor> withHead = new LinkedHashMap<>(c.studentBackbone());
            c.studentHead().forEach((k, v) -> withHead.put("head." + k, v));
            String msg = assertThrows(IllegalArgumentException.class,
                    () -> OfficialCheckpoints.load(vit, withHead, Strictness.STRICT)).getMessage();
            assertEquals("checkpoint does not match VisionTransformer; unexpected: [head.mlp.0.weight,"
                    + " head.mlp.0.bias, head.mlp.2.weight, head.mlp.2.bias, head.mlp.4.weight, head.mlp.4.bias,"
                    + " head.last_layer.weight_g, head.last_layer.weight_v] (load with Strictness.IGNORE_UNEXPECTED"
                    + " to skip them)", msg);
            LoadReport r = OfficialCheckpoints.load(vit, withHead, Strictness.IGNORE_UNEXPECTED);
            assertEquals(8, r.ignored().size());
            assertEquals(30, r.loaded().size());
            String none = assertThrows(IllegalArgumentException.class,
                    () -> OfficialCheckpoints.load(vit, whole, Strictness.IGNORE_UNEXPECTED)).getMessage();
            assertTrue(none.endsWith("; no name matches: is it another model, or do the names carry a prefix such as"
                    + " 'module.' or 'backbone.' (see OfficialCheckpoints.backbone)?"), none);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"dinov2_backbone", "dinov2_backbone_swiglu"})
    void releasedDinov2WeightsReproduceTheOfficialOutputs(String name) throws IOException {
        TensorManifest f = CheckpointFixtures.open(name);
        LinkedHashMap<String, TorchTensor> w = OfficialCheckpoints.readBackbone(CheckpointFixtures.pth(f),
                TrainingRole.TEACHER);
        VisionTransformer vit = OfficialCheckpoints.vitBuilder(w).setNumHeads(3).build();
        VitConfig cfg = vit.config();
        assertEquals(2, cfg.numRegisterTokens());
        assertTrue(cfg.layerScaleInit() > 0);
        assertTrue(cfg.maskToken());
        assertEquals(name.endsWith("swiglu") ? Ffn.SWIGLU : Ffn.MLP, cfg.ffn());
        assertEquals(f.config().get("ffn_hidden").getAsInt(), cfg.ffnHidden());
        assertEquals(32, cfg.imageSize());
        try (NDManager m = NDManager.newBaseManager()) {
            vit.initializeWeights(m, 0);
            OfficialCheckpoints.load(vit, w, Strictness.STRICT);
            NDArray x = f.load(m, "inputs/x");
            BackboneOutput out = vit.forward(x);
            ParityAssert.assertMatches(f, "expected/x_norm_clstoken", out.cls());
            ParityAssert.assertMatches(f, "expected/x_norm_regtokens", out.registerTokens());
            ParityAssert.assertMatches(f, "expected/x_norm_patchtokens", out.patchTokens());
            ParityAssert.assertMatches(f, "expected/x_prenorm", out.preNormTokens());
            BackboneOutput masked = vit.forward(x, f.load(m, "inputs/masks"), false, null);
            ParityAssert.assertMatches(f, "expected/masked/x_norm_patchtokens", masked.patchTokens());
        }
    }

    @Test
    void dinov2RegisterModelsUseTheAntialiasedInterpolation() throws IOException {
        TensorManifest f = CheckpointFixtures.open("dinov2_backbone");
        LinkedHashMap<String, TorchTensor> w = OfficialCheckpoints.readBackbone(CheckpointFixtures.pth(f),
                TrainingRole.TEACHER);
        VisionTransformer vit = OfficialCheckpoints.vitBuilder(w).setNumHeads(3)
                .optInterpolation(PositionalEmbedding.Interpolation.OFFSET_0_ANTIALIAS).build();
        try (NDManager m = NDManager.newBaseManager()) {
            vit.initializeWeights(m, 0);
            OfficialCheckpoints.load(vit, w, Strictness.STRICT);
            BackboneOutput out = vit.forward(f.load(m, "inputs/x24x40"));
            ParityAssert.assertMatches(f, "expected/interp_offset0_aa/24x40/x_norm_patchtokens", out.patchTokens());
        }
    }

    @Test
    void dinov2LayoutsChunkedBlocksTeacherCheckpointAndTrainingModel() throws IOException {
        TensorManifest f = CheckpointFixtures.open("dinov2_backbone");
        LinkedHashMap<String, TorchTensor> plain = OfficialCheckpoints.readBackbone(CheckpointFixtures.pth(f),
                TrainingRole.TEACHER);
        // block_chunks = 2 with depth 2: chunk 0 holds block 0, chunk 1 holds block 1
        LinkedHashMap<String, Object> chunked = new LinkedHashMap<>();
        plain.forEach((k, v) -> chunked.put(k.startsWith("blocks.")
                ? "blocks." + k.charAt(7) + "." + k.substring(7) : k, v));
        assertTrue(chunked.containsKey("blocks.1.1.norm1.weight"));
        assertEquals(plain, OfficialCheckpoints.backbone(chunked, TrainingRole.TEACHER));

        // DINOv2's teacher_checkpoint.pth: {'teacher': {'backbone.…', 'dino_head.…'}}
        LinkedHashMap<String, Object> teacher = new LinkedHashMap<>();
        chunked.forEach((k, v) -> teacher.put("backbone." + k, v));
        teacher.put("dino_head.last_layer.weight_v", TorchTensor.ofFloats(new float[4], 2, 2));
        assertEquals(plain, OfficialCheckpoints.backbone(Map.of("teacher", teacher), TrainingRole.TEACHER));

        // fvcore training checkpoints: {'model': {'student.backbone.…', 'teacher.backbone.…'}, 'iteration': …}
        LinkedHashMap<String, Object> model = new LinkedHashMap<>();
        plain.forEach((k, v) -> model.put("student.backbone." + k, v));
        plain.forEach((k, v) -> model.put("teacher.backbone." + k, v));
        model.put("teacher.dino_head.mlp.0.weight", TorchTensor.ofFloats(new float[4], 2, 2));
        assertEquals(plain, OfficialCheckpoints.backbone(Map.of("model", model, "iteration", 10L),
                TrainingRole.TEACHER));
        assertEquals("the checkpoint has no 'student' network; top-level keys: [teacher]",
                assertThrows(IllegalArgumentException.class,
                        () -> OfficialCheckpoints.backbone(Map.of("teacher", teacher), TrainingRole.STUDENT))
                        .getMessage());
    }

    @Test
    void missingAndMisShapedTensorsAreListedByName() {
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = VisionTransformer.builder().setPatchSize(4).setEmbedDim(48).setDepth(1)
                    .setNumHeads(3).optImageSize(16).build();
            vit.initializeWeights(m, 0);
            LinkedHashMap<String, TorchTensor> w = new LinkedHashMap<>();
            vit.stateDict().forEach((k, p) -> w.put(k, TorchTensor.ofFloats(p.getArray().toFloatArray(),
                    p.getShape().getShape())));
            w.remove("norm.bias");
            w.put("pos_embed", TorchTensor.ofFloats(new float[65 * 48], 1, 65, 48));
            w.put("extra", TorchTensor.ofFloats(new float[1], 1));
            assertEquals("checkpoint does not match VisionTransformer; missing: [norm.bias]; wrong shape: [pos_embed"
                    + " (model (1, 17, 48), checkpoint (1, 65, 48))]; unexpected: [extra] (load with"
                    + " Strictness.IGNORE_UNEXPECTED to skip them)", assertThrows(IllegalArgumentException.class,
                    () -> OfficialCheckpoints.load(vit, w, Strictness.STRICT)).getMessage());
        }
    }

    @Test
    void somethingElseIsNotMistakenForATrainingCheckpoint() {
        TensorManifest f = CheckpointFixtures.open("dino_backbone");
        String msg = assertThrows(IOException.class,
                () -> OfficialCheckpoints.readDinoTraining(CheckpointFixtures.pth(f))).getMessage();
        assertTrue(msg.startsWith(CheckpointFixtures.pth(f) + ": not a DINO training checkpoint: expected a dict"
                + " with 'student' and 'teacher' state dicts, got a dict with keys [cls_token, pos_embed,"), msg);
    }
}
