package org.dino4j.core.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link PthReader} on {@code torch_save_edge_cases.pth}: views, dtypes, 0-d / empty tensors, Python values. */
class PthReaderEdgeCasesTest {

    private static TensorManifest fixture;
    private static Map<?, ?> root;

    @BeforeAll
    static void read() throws IOException {
        fixture = CheckpointFixtures.open("torch_save_edge_cases");
        root = (Map<?, ?>) PthReader.read(CheckpointFixtures.pth(fixture));
    }

    private static Map<?, ?> tensors() {
        return (Map<?, ?>) root.get("tensors");
    }

    @Test
    void everyTensorHasTheStoredValuesBitExactly() throws IOException {
        Map<String, TorchDtype> dtypes = new LinkedHashMap<>();
        for (JsonElement e : fixture.json().getAsJsonObject("checkpoint").getAsJsonArray("tensors")) {
            JsonObject t = e.getAsJsonObject();
            String storage = t.get("storage_type").getAsString();
            dtypes.put(t.getAsJsonArray("path").get(1).getAsString(), TorchDtype.ofStorageClass(storage).orElseThrow());
        }
        List<String> names = fixture.names("expected");
        assertEquals(17, names.size());
        assertEquals(names, List.copyOf(tensors().keySet().stream().map(String::valueOf).toList()));
        for (String name : names) {
            TorchTensor t = (TorchTensor) tensors().get(name);
            String key = "expected/" + name;
            assertEquals(dtypes.get(name), t.dtype(), name);
            long[] expectedShape = fixture.entry(key).shape();
            if (name.equals("f32_scalar_0d")) {
                assertArrayEquals(new long[0], t.shape(), "0-d tensor keeps its empty shape");
                expectedShape = new long[0];
            }
            assertArrayEquals(expectedShape, t.shape(), name);
            switch (fixture.entry(key).dtype()) {
                case "float32" -> assertArrayEquals(fixture.floats(key), t.floats(), 0f, name);
                case "float64" -> assertArrayEquals(fixture.doubles(key), t.doubles(), 0.0, name);
                case "int32" -> {
                    double[] expected = fixture.doubles(key);
                    long[] actual = t.longs();
                    assertEquals(expected.length, actual.length, name);
                    for (int i = 0; i < actual.length; i++) {
                        assertEquals((long) expected[i], actual[i], name + "[" + i + "]");
                    }
                }
                default -> throw new AssertionError("unexpected fixture dtype " + fixture.entry(key).dtype());
            }
        }
    }

    @Test
    void halfPrecisionTypesAreWidenedToFloat32AndIntegersKeepTheirType() {
        assertInstanceOf(java.nio.FloatBuffer.class, ((TorchTensor) tensors().get("f16")).values());
        assertInstanceOf(java.nio.FloatBuffer.class, ((TorchTensor) tensors().get("bf16")).values());
        assertInstanceOf(java.nio.DoubleBuffer.class, ((TorchTensor) tensors().get("f64")).values());
        assertInstanceOf(java.nio.LongBuffer.class, ((TorchTensor) tensors().get("i64")).values());
        assertInstanceOf(java.nio.ShortBuffer.class, ((TorchTensor) tensors().get("i16")).values());
        assertEquals(70000, ((TorchTensor) tensors().get("u8_70000")).numel());
        TorchTensor p = (TorchTensor) tensors().get("parameter");
        assertTrue(p.requiresGrad(), "nn.Parameter keeps requires_grad");
        assertFalse(((TorchTensor) tensors().get("f32_contiguous")).requiresGrad());
    }

    @Test
    void tensorsBecomeNDArraysOfTheLoadedType() {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, DataType> expected = Map.of("f32_contiguous", DataType.FLOAT32, "f16", DataType.FLOAT32,
                    "bf16", DataType.FLOAT32, "f64", DataType.FLOAT64, "i64", DataType.INT64, "i32", DataType.INT32,
                    "i16", DataType.INT32, "i8", DataType.INT8, "u8_70000", DataType.UINT8, "bool", DataType.BOOLEAN);
            expected.forEach((name, type) -> {
                TorchTensor t = (TorchTensor) tensors().get(name);
                NDArray a = t.toNDArray(m);
                assertEquals(type, a.getDataType(), name);
                assertEquals(t.djlShape(), a.getShape(), name);
                double[] values = t.doubles();
                double[] back = a.toType(DataType.FLOAT64, false).toDoubleArray();
                assertArrayEquals(values, back, 0.0, name);
            });
            NDArray scalar = ((TorchTensor) tensors().get("f32_scalar_0d")).toNDArray(m);
            assertEquals(new Shape(), scalar.getShape());
            NDArray empty = ((TorchTensor) tensors().get("f32_empty_0x3")).toNDArray(m);
            assertEquals(new Shape(0, 3), empty.getShape());
        }
    }

    @Test
    void pythonValuesMatchTheManifest() {
        JsonObject expected = fixture.json().getAsJsonObject("checkpoint").getAsJsonObject("python_values");
        JsonElement actual = CheckpointFixtures.toJson(root.get("python"));
        assertEquals(expected, actual);
        Map<?, ?> python = (Map<?, ?>) root.get("python");
        assertEquals(1099511627776L, python.get("int_big"), "LONG1 integer");
        assertEquals("int dict key", python.get(5L), "int keys stay ints");
        assertInstanceOf(PythonTuple.class, python.get("tuple2"));
        assertInstanceOf(List.class, python.get("list"));
    }
}
