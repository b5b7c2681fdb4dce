package org.dino4j.core.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * A single-file container of named float32 tensors plus JSON metadata: a zip holding {@code manifest.json} and one
 * raw little-endian {@code .bin} per tensor (the layout of the parity fixtures, so the same tools read both).
 *
 * <p>Writes are atomic: the archive is written to a temporary file in the same directory, synced, then moved over the
 * target, so a crash while writing never leaves a corrupt file under the target name.
 */
public final class TensorArchive {

    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().create();

    /**
     * A tensor read from an archive.
     *
     * @param shape its shape
     * @param data its values, C order
     */
    public record Tensor(long[] shape, float[] data) {
        /** Creates the tensor as an NDArray in {@code manager}. */
        public NDArray toNDArray(NDManager manager) {
            return manager.create(data, new Shape(shape));
        }
    }

    /**
     * The content of an archive.
     *
     * @param metadata the {@code metadata} object of the manifest
     * @param tensors tensors by name, in written order
     */
    public record Content(JsonObject metadata, LinkedHashMap<String, Tensor> tensors) {
        /** One tensor by name, with a clear error when absent. */
        public Tensor tensor(String name) {
            Tensor t = tensors.get(name);
            if (t == null) {
                throw new IllegalArgumentException("archive has no tensor '" + name + "'");
            }
            return t;
        }
    }

    private TensorArchive() {}

    /**
     * Writes tensors and metadata atomically.
     *
     * @param file the target file
     * @param tensors name to array (converted to float32 on the host)
     * @param metadata free-form JSON stored under {@code metadata}
     * @throws IOException if writing fails; the previous file at {@code file}, if any, is untouched
     */
    public static void write(Path file, Map<String, NDArray> tensors, JsonObject metadata) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            JsonArray entries = new JsonArray();
            try (OutputStream fos = Files.newOutputStream(tmp);
                 ZipOutputStream zip = new ZipOutputStream(new BufferedOutputStream(fos, 1 << 16))) {
                zip.setLevel(1);
                int i = 0;
                for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
                    NDArray a = e.getValue();
                    float[] data = a.getDataType() == DataType.FLOAT32 ? a.toFloatArray()
                            : a.toType(DataType.FLOAT32, true).toFloatArray();
                    String entryName = "t/" + (i++) + ".bin";
                    zip.putNextEntry(new ZipEntry(entryName));
                    ByteBuffer bb = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                    bb.asFloatBuffer().put(data);
                    zip.write(bb.array());
                    zip.closeEntry();
                    JsonObject t = new JsonObject();
                    t.addProperty("name", e.getKey());
                    t.addProperty("dtype", "float32");
                    JsonArray shape = new JsonArray();
                    for (long d : a.getShape().getShape()) {
                        shape.add(d);
                    }
                    t.add("shape", shape);
                    t.addProperty("file", entryName);
                    entries.add(t);
                }
                JsonObject manifest = new JsonObject();
                manifest.addProperty("format_version", 1);
                manifest.add("metadata", metadata == null ? new JsonObject() : metadata);
                manifest.add("tensors", entries);
                zip.putNextEntry(new ZipEntry("manifest.json"));
                zip.write(GSON.toJson(manifest).getBytes(StandardCharsets.UTF_8));
                zip.closeEntry();
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /**
     * Reads a whole archive.
     *
     * @param file the archive
     * @return metadata and tensors
     * @throws IOException if the file is missing, truncated or not an archive of this format (the message says which)
     */
    public static Content read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("no such file: " + file);
        }
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry m = zip.getEntry("manifest.json");
            if (m == null) {
                throw new IOException(file + " is not a dino4j tensor archive (no manifest.json inside)");
            }
            JsonObject manifest;
            try (InputStream in = zip.getInputStream(m)) {
                manifest = JsonParser.parseString(new String(in.readAllBytes(), StandardCharsets.UTF_8))
                        .getAsJsonObject();
            }
            LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
            for (JsonElement el : manifest.getAsJsonArray("tensors")) {
                JsonObject t = el.getAsJsonObject();
                String name = t.get("name").getAsString();
                JsonArray s = t.getAsJsonArray("shape");
                long[] shape = new long[s.size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = s.get(i).getAsLong();
                }
                ZipEntry ze = zip.getEntry(t.get("file").getAsString());
                if (ze == null) {
                    throw new IOException(file + ": tensor '" + name + "' has no data entry");
                }
                byte[] bytes;
                try (InputStream in = zip.getInputStream(ze)) {
                    bytes = in.readAllBytes();
                }
                long count = new Shape(shape).size();
                if (bytes.length != count * 4) {
                    throw new IOException(file + ": tensor '" + name + "' has " + bytes.length
                            + " bytes, expected " + count * 4 + " for float32 " + new Shape(shape));
                }
                float[] data = new float[(int) count];
                ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(data);
                tensors.put(name, new Tensor(shape, data));
            }
            JsonObject meta = manifest.has("metadata") ? manifest.getAsJsonObject("metadata") : new JsonObject();
            return new Content(meta, tensors);
        } catch (ZipException e) {
            throw new IOException(file + " is corrupt or truncated (not a readable zip archive): " + e.getMessage(), e);
        } catch (IllegalStateException | com.google.gson.JsonParseException | NullPointerException e) {
            throw new IOException(file + " has an invalid manifest: " + e.getMessage(), e);
        }
    }
}
