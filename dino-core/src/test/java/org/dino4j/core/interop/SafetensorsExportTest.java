package org.dino4j.core.interop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.dino4j.core.backbone.ResNet;
import org.dino4j.core.backbone.VisionTransformer;
import org.dino4j.core.head.DinoHead;
import org.dino4j.core.io.CheckpointFixtures;
import org.dino4j.core.io.SafeTensors;
import org.dino4j.core.io.TensorManifest;
import org.dino4j.core.io.TorchDtype;
import org.dino4j.core.io.TorchTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.LongBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Export to safetensors under the official names; reading back gives identical outputs. */
class SafetensorsExportTest {

    @TempDir
    Path dir;

    @Test
    void anOfficialDinoStudentRoundTripsWithIdenticalOutputs() throws IOException {
        TensorManifest f = CheckpointFixtures.open("dino_train_checkpoint");
        DinoTrainingCheckpoint c = OfficialCheckpoints.readDinoTraining(CheckpointFixtures.pth(f));
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = OfficialCheckpoints.vitBuilder(c.studentBackbone(), c.args()).build();
            vit.initializeWeights(m, 0);
            OfficialCheckpoints.load(vit, c.studentBackbone(), Strictness.STRICT);
            DinoHead head = OfficialCheckpoints.dinoHeadBuilder(c.studentHead()).build();
            head.initializeWeights(m, 0);
            OfficialCheckpoints.load(head, c.studentHead(), Strictness.STRICT);

            Path whole = dir.resolve("student.safetensors");
            OfficialCheckpoints.exportSafetensors(whole, vit, head, Map.of("format", "pt"));
            SafeTensors.Content content = SafeTensors.read(whole);
            assertEquals(List.copyOf(c.student().keySet()), List.copyOf(content.tensors().keySet()),
                    "the MultiCropWrapper names, in state-dict order");
            assertEquals("pt", content.metadata().get("format"));

            Path bare = dir.resolve("backbone.safetensors");
            OfficialCheckpoints.exportSafetensors(bare, vit, null, Map.of());
            LinkedHashMap<String, TorchTensor> back = OfficialCheckpoints.readSafetensors(bare);
            assertEquals(List.copyOf(c.studentBackbone().keySet()), List.copyOf(back.keySet()));

            VisionTransformer vit2 = OfficialCheckpoints.vitBuilder(back, c.args()).build();
            vit2.initializeWeights(m, 1);
            OfficialCheckpoints.load(vit2, back, Strictness.STRICT);
            DinoHead head2 = OfficialCheckpoints.dinoHeadBuilder(
                    OfficialCheckpoints.withPrefix(content.tensors(), "head.")).build();
            head2.initializeWeights(m, 1);
            OfficialCheckpoints.load(head2, OfficialCheckpoints.withPrefix(content.tensors(), "head."),
                    Strictness.STRICT);
            NDArray x = f.load(m, "inputs/x");
            NDArray a = vit.forwardWithAttention(x).tokens();
            NDArray b = vit2.forwardWithAttention(x).tokens();
            assertArrayEquals(a.toFloatArray(), b.toFloatArray(), 0f, "identical backbone outputs");
            NDArray cls = vit.forward(x).cls();
            assertArrayEquals(head.forward(cls, false).toFloatArray(), head2.forward(cls, false).toFloatArray(), 0f);
        }
    }

    @Test
    void aDinov2BackboneRoundTrips() throws IOException {
        TensorManifest f = CheckpointFixtures.open("dinov2_backbone_swiglu");
        LinkedHashMap<String, TorchTensor> w = OfficialCheckpoints.readBackbone(CheckpointFixtures.pth(f),
                TrainingRole.TEACHER);
        try (NDManager m = NDManager.newBaseManager()) {
            VisionTransformer vit = OfficialCheckpoints.vitBuilder(w).setNumHeads(3).build();
            vit.initializeWeights(m, 0);
            OfficialCheckpoints.load(vit, w, Strictness.STRICT);
            Path file = dir.resolve("dinov2.safetensors");
            OfficialCheckpoints.exportSafetensors(file, vit, null, Map.of());
            LinkedHashMap<String, TorchTensor> back = OfficialCheckpoints.readSafetensors(file);
            assertEquals(w, back, "every tensor identical (float32, same names and order)");
            VisionTransformer vit2 = OfficialCheckpoints.vitBuilder(back).setNumHeads(3).build();
            vit2.initializeWeights(m, 1);
            OfficialCheckpoints.load(vit2, back, Strictness.STRICT);
            NDArray x = f.load(m, "inputs/x");
            NDArray masks = f.load(m, "inputs/masks");
            assertTrue(vit.forward(x, masks, false, null).tokens()
                    .contentEquals(vit2.forward(x, masks, false, null).tokens()));
        }
    }

    @Test
    void aResNetWithTrainedBatchNormStatisticsRoundTrips() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet r18 = ResNet.resnet18();
            r18.initializeWeights(m, 5);
            NDArray x = m.randomNormal(new Shape(2, 3, 32, 32));
            r18.forward(x, true, null); // moves the running statistics away from (0, 1)
            Path file = dir.resolve("resnet18.safetensors");
            OfficialCheckpoints.exportSafetensors(file, r18, null, Map.of());
            LinkedHashMap<String, TorchTensor> back = OfficialCheckpoints.readSafetensors(file);
            assertEquals(new ArrayList<>(r18.stateDict().keySet()), new ArrayList<>(back.keySet()));
            assertTrue(OfficialCheckpoints.isResNet(back));
            ResNet copy = OfficialCheckpoints.resNet(back);
            assertEquals(18, copy.depth());
            copy.initializeWeights(m, 6);
            OfficialCheckpoints.load(copy, back, Strictness.STRICT);
            assertArrayEquals(r18.forward(x, false, null).cls().toFloatArray(),
                    copy.forward(x, false, null).cls().toFloatArray(), 0f);
        }
    }

    @Test
    void torchvisionResNetStateDictsLoadByNameWithInt64Counters() {
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet source = ResNet.resnet18();
            source.initializeWeights(m, 7);
            // as torch stores it: num_batches_tracked is an int64 0-d tensor
            LinkedHashMap<String, TorchTensor> state = new LinkedHashMap<>();
            source.stateDict().forEach((k, p) -> state.put(k, k.endsWith("num_batches_tracked")
                    ? new TorchTensor(TorchDtype.INT64, new long[0], false, LongBuffer.wrap(new long[] {42}))
                    : TorchTensor.ofFloats(p.getArray().toFloatArray(), p.getShape().getShape())));
            ResNet target = OfficialCheckpoints.resNet(state);
            target.initializeWeights(m, 8);
            OfficialCheckpoints.load(target, state, Strictness.STRICT);
            assertEquals(42f, target.stateDict().get("layer1.0.bn1.num_batches_tracked").getArray().getFloat());
            NDArray x = m.randomNormal(new Shape(1, 3, 32, 32));
            assertArrayEquals(source.forward(x).cls().toFloatArray(), target.forward(x).cls().toFloatArray(), 0f);
        }
    }

    @Test
    void resNetDepthIsInferredFromTheBlockLayout() {
        Map<String, TorchTensor> names = new LinkedHashMap<>();
        TorchTensor dummy = TorchTensor.ofFloats(new float[1], 1);
        ResNet.resnet50().stateDict().keySet().forEach(k -> names.put(k, dummy));
        names.put("conv1.weight", TorchTensor.ofFloats(new float[64 * 3 * 49], 64, 3, 7, 7));
        assertEquals(50, OfficialCheckpoints.resNet(names).depth());
        names.keySet().removeIf(k -> k.startsWith("layer3.5."));
        assertEquals("not a standard ResNet: bottleneck [3, 4, 5, 3] blocks per stage (expected ResNet-18, 34, 50,"
                + " 101 or 152)", assertThrows(IllegalArgumentException.class,
                () -> OfficialCheckpoints.resNet(names)).getMessage());
    }
}
