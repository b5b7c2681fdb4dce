package org.dino4j.core.io;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

/**
 * Every tensor of the four official model checkpoints, found by its path in the object tree, equals its
 * {@code params/} side file bit-exactly, with the recorded shape; state dicts keep their order.
 */
class PthReaderModelFilesTest {

    @ParameterizedTest
    @ValueSource(strings = {"dino_backbone", "dino_train_checkpoint", "dinov2_backbone", "dinov2_backbone_swiglu"})
    void everyStoredTensorMatchesItsSideFileBitExactly(String name) throws IOException {
        TensorManifest fixture = CheckpointFixtures.open(name);
        Object root = PthReader.read(CheckpointFixtures.pth(fixture));
        JsonObject checkpoint = fixture.json().getAsJsonObject("checkpoint");
        int compared = 0;
        for (JsonElement e : checkpoint.getAsJsonArray("tensors")) {
            JsonObject t = e.getAsJsonObject();
            Object node = root;
            List<String> path = new ArrayList<>();
            for (JsonElement p : t.getAsJsonArray("path")) {
                Map<?, ?> map = assertInstanceOf(Map.class, node, "parent of " + path);
                // optimizer state keys are Python ints
                Object key = p.getAsJsonPrimitive().isNumber() ? (Object) p.getAsLong() : p.getAsString();
                node = map.get(key);
                path.add(p.getAsString());
            }
            TorchTensor tensor = assertInstanceOf(TorchTensor.class, node, "tensor at " + path);
            String side = "params/" + String.join("/", path);
            long[] recorded = new long[t.getAsJsonArray("size").size()];
            for (int i = 0; i < recorded.length; i++) {
                recorded[i] = t.getAsJsonArray("size").get(i).getAsLong();
            }
            assertArrayEquals(recorded, tensor.shape(), side);
            assertEquals(TorchDtype.FLOAT32, tensor.dtype(), side);
            assertArrayEquals(fixture.floats(side), tensor.floats(), 0f, side);
            compared++;
        }
        assertEquals(fixture.names("params").size(), compared, "every side file compared");
    }

    @ParameterizedTest
    @ValueSource(strings = {"dino_backbone", "dinov2_backbone", "dinov2_backbone_swiglu"})
    void backboneFilesAreStateDictsInTheOfficialOrder(String name) throws IOException {
        TensorManifest fixture = CheckpointFixtures.open(name);
        Map<String, TorchTensor> state = PthReader.readStateDict(CheckpointFixtures.pth(fixture));
        assertEquals(fixture.names("params"), List.copyOf(state.keySet()));
    }
}
