package org.dino4j.core.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeTensorsTest {

    @TempDir
    Path dir;

    private static Map<String, NDArray> sample(NDManager m) {
        Map<String, NDArray> t = new LinkedHashMap<>();
        t.put("pos_embed", m.arange(0f, 30f).reshape(1, 10, 3));
        t.put("blocks.0.ls1.gamma", m.create(new float[] {-1.5f, 2.25f, Float.MIN_VALUE}));
        t.put("num_batches_tracked", m.create(7L)); // int64 0-d: written as F32
        t.put("empty", m.zeros(new Shape(0, 4)));
        return t;
    }

    @Test
    void roundTripKeepsNamesOrderShapesValuesAndMetadata() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> t = sample(m);
            Path f = dir.resolve("out/model.safetensors");
            SafeTensors.write(f, t, Map.of("format", "pt", "source", "dino4j"));
            SafeTensors.Content c = SafeTensors.read(f);
            assertEquals(Map.of("format", "pt", "source", "dino4j"), c.metadata());
            assertEquals(List.copyOf(t.keySet()), List.copyOf(c.tensors().keySet()));
            for (Map.Entry<String, NDArray> e : t.entrySet()) {
                TorchTensor back = c.tensor(e.getKey());
                assertEquals(TorchDtype.FLOAT32, back.dtype());
                assertEquals(e.getValue().getShape(), back.djlShape(), e.getKey());
                assertArrayEquals(e.getValue().toType(DataType.FLOAT32, false).toFloatArray(), back.floats(), 0f);
            }
            assertEquals(new Shape(), c.tensor("num_batches_tracked").djlShape());
        }
    }

    @Test
    void layoutIsTheSafetensorsFormat() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Path f = dir.resolve("layout.safetensors");
            Map<String, NDArray> t = new LinkedHashMap<>();
            t.put("b", m.create(new float[] {1f, 2f}));
            t.put("a", m.create(new float[] {3f}));
            SafeTensors.write(f, t, Map.of());
            byte[] bytes = Files.readAllBytes(f);
            long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            assertEquals(0, (8 + n) % 8, "data starts 8-byte aligned");
            String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
            assertEquals("{\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                    + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", header.stripTrailing());
            assertTrue(header.substring(header.stripTrailing().length()).chars().allMatch(ch -> ch == ' '));
            assertEquals(8 + n + 12, bytes.length, "tensors back to back, nothing after them");
            ByteBuffer data = ByteBuffer.wrap(bytes, (int) (8 + n), 12).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(1f, data.getFloat());
            assertEquals(2f, data.getFloat());
            assertEquals(3f, data.getFloat());
            assertEquals("invalid tensor name '__metadata__' (empty or reserved)",
                    assertThrows(IllegalArgumentException.class, () -> SafeTensors.write(f,
                            Map.of(SafeTensors.METADATA_KEY, m.ones(new Shape(1))), Map.of())).getMessage());
        }
    }

    /** A file laid out as the Python library writes it, with other dtypes. */
    @Test
    void readsFilesWithOtherDtypes() throws IOException {
        String header = "{\"__metadata__\":{\"format\":\"pt\"},"
                + "\"bf\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"h\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[4,6]},"
                + "\"i\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[6,14]},"
                + "\"m\":{\"dtype\":\"BOOL\",\"shape\":[2,1],\"data_offsets\":[14,16]}}";
        ByteBuffer data = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        data.putShort((short) 0x3fc0).putShort((short) 0xc000); // bf16 1.5, -2
        data.putShort((short) 0x3c00); // f16 1.0
        data.putLong(-5L);
        data.put((byte) 1).put((byte) 0);
        Path f = write("other.safetensors", header, data.array());
        SafeTensors.Content c = SafeTensors.read(f);
        assertEquals(Map.of("format", "pt"), c.metadata());
        assertArrayEquals(new float[] {1.5f, -2f}, c.tensor("bf").floats());
        assertEquals(TorchDtype.BFLOAT16, c.tensor("bf").dtype());
        assertArrayEquals(new float[] {1f}, c.tensor("h").floats());
        assertArrayEquals(new long[] {-5L}, c.tensor("i").longs());
        assertArrayEquals(new long[] {1, 0}, c.tensor("m").longs());
        assertArrayEquals(new long[] {2, 1}, c.tensor("m").shape());
    }

    private Path write(String name, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return Files.write(dir.resolve(name), b.array());
    }

    private static String message(Path f) {
        return assertThrows(IOException.class, () -> SafeTensors.read(f)).getMessage();
    }

    @Test
    void malformedFilesFailWithWhatIsWrong() throws IOException {
        Path tiny = Files.write(dir.resolve("tiny.safetensors"), new byte[] {1, 2, 3});
        assertEquals(tiny + ": too short for a safetensors file (3 bytes; it must start with an 8-byte header"
                + " length)", message(tiny));
        Path longHeader = Files.write(dir.resolve("long.safetensors"),
                ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array());
        assertEquals(longHeader + ": header length 1000 is larger than the file (12 bytes)", message(longHeader));
        Path notJson = write("json.safetensors", "{\"a\": [", new byte[0]);
        assertTrue(message(notJson).startsWith(notJson + ": header is not valid JSON"), message(notJson));
        Path array = write("array.safetensors", "[]", new byte[0]);
        assertEquals(array + ": header is not a JSON object", message(array));
        Path range = write("range.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}",
                new byte[8]);
        assertEquals(range + ": tensor 'w' has data_offsets [0, 16] outside the 8 data bytes", message(range));
        Path sizes = write("sizes.safetensors", "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}",
                new byte[8]);
        assertEquals(sizes + ": tensor 'w' covers 8 bytes but F32 [3] needs 12", message(sizes));
        Path dtype = write("dtype.safetensors", "{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}",
                new byte[1]);
        assertEquals(dtype + ": tensor 'w' has unsupported dtype F8_E4M3; supported: [F32, F64, F16, BF16, I64, I32,"
                + " I16, I8, U8, BOOL]", message(dtype));
        Path entry = write("entry.safetensors", "{\"w\":{\"dtype\":\"F32\"}}", new byte[0]);
        assertEquals(entry + ": tensor 'w' has a malformed header entry {\"dtype\":\"F32\"} (expected {\"dtype\": ...,"
                + " \"shape\": [...], \"data_offsets\": [begin, end]})", message(entry));
        Path meta = write("meta.safetensors", "{\"__metadata__\":{\"epoch\":3}}", new byte[0]);
        assertEquals(meta + ": __metadata__ value of 'epoch' must be a string, got 3", message(meta));
    }

    @Test
    void everyTruncationOfAWrittenFileFails() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Path f = dir.resolve("full.safetensors");
            SafeTensors.write(f, sample(m), Map.of("k", "v"));
            byte[] full = Files.readAllBytes(f);
            for (int n = 0; n < full.length; n += 7) {
                Path t = Files.write(dir.resolve("cut.safetensors"), Arrays.copyOf(full, n));
                String msg = message(t);
                assertTrue(msg.startsWith(t.toString()), msg);
            }
        }
    }
}
