package org.dino4j.core.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The safetensors format, which the Python ecosystem loads without pickle ({@code safetensors.torch.load_file}):
 * an 8-byte little-endian header length N, a UTF-8 JSON header of N bytes
 * {@code {"<name>": {"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}, ..., "__metadata__": {...}}},
 * then the raw little-endian tensor data, offsets relative to its start.
 *
 * <p>{@link #write} stores float32 ("F32") tensors in the order given, back to back (the layout the reference
 * implementation requires), and pads the header with spaces so that the data starts at an 8-byte boundary, as the
 * format allows. Writes are atomic (a temporary file is moved over the target). {@link #read} accepts the dtypes
 * of {@link TorchDtype} and checks every length and offset against the file before reading.
 */
public final class SafeTensors {

    /** The reserved header key of the free-form string metadata. */
    public static final String METADATA_KEY = "__metadata__";

    /** The largest header the reference implementation accepts (100 MB). */
    public static final long MAX_HEADER_BYTES = 100_000_000L;

    private static final Gson GSON = new Gson();

    /**
     * A file's content.
     *
     * @param metadata the {@code __metadata__} strings (empty if absent)
     * @param tensors the tensors in data order, values on the JVM heap
     */
    public record Content(Map<String, String> metadata, LinkedHashMap<String, TorchTensor> tensors) {

        /** One tensor by name, with a clear error when absent. */
        public TorchTensor tensor(String name) {
            TorchTensor t = tensors.get(name);
            if (t == null) {
                throw new IllegalArgumentException("no tensor '" + name + "'; the file has " + tensors.size()
                        + " tensors" + (tensors.isEmpty() ? "" : ", e.g. " + tensors.keySet().iterator().next()));
            }
            return t;
        }
    }

    private SafeTensors() {}

    /**
     * Writes tensors as float32, in the given order.
     *
     * @param file the target file (replaced atomically)
     * @param tensors name to array (any float or integer type; converted to float32 on the host)
     * @param metadata strings stored under {@code __metadata__} (may be empty)
     * @throws IOException if writing fails; a previous file at {@code file} is then untouched
     * @throws IllegalArgumentException if a name is empty or the reserved {@code __metadata__}
     */
    public static void write(Path file, Map<String, NDArray> tensors, Map<String, String> metadata)
            throws IOException {
        JsonObject header = new JsonObject();
        if (metadata != null && !metadata.isEmpty()) {
            JsonObject meta = new JsonObject();
            metadata.forEach(meta::addProperty);
            header.add(METADATA_KEY, meta);
        }
        long offset = 0;
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name.isEmpty() || name.equals(METADATA_KEY)) {
                throw new IllegalArgumentException("invalid tensor name '" + name + "' (empty or reserved)");
            }
            long[] shape = e.getValue().getShape().getShape();
            long bytes = e.getValue().getShape().size() * 4;
            JsonObject entry = new JsonObject();
            entry.addProperty("dtype", TorchDtype.FLOAT32.safetensorsName());
            JsonArray s = new JsonArray();
            for (long d : shape) {
                s.add(d);
            }
            entry.add("shape", s);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offsets.add(offset + bytes);
            entry.add("data_offsets", offsets);
            header.add(name, entry);
            offset += bytes;
        }
        byte[] json = GSON.toJson(header).getBytes(StandardCharsets.UTF_8);
        // Spaces after the JSON (allowed by the format) put the data start, 8 + N, on an 8-byte boundary.
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');

        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file.getFileName().toString(), ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).flip();
                writeFully(ch, len);
                writeFully(ch, ByteBuffer.wrap(headerBytes));
                for (NDArray a : tensors.values()) {
                    float[] values = a.getDataType() == DataType.FLOAT32 ? a.toFloatArray()
                            : a.toType(DataType.FLOAT32, true).toFloatArray();
                    ByteBuffer data = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                    data.asFloatBuffer().put(values);
                    writeFully(ch, data);
                }
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

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    /**
     * Reads a safetensors file.
     *
     * @param file the file
     * @return metadata and tensors (in data order)
     * @throws IOException if the file is missing, truncated or malformed; the message names the file and what is
     *     wrong (header length beyond the file, offsets out of range, unknown dtype, ...)
     */
    public static Content read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such safetensors file");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(ch);
        } catch (MalformedFileException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    private static Content read(FileChannel ch) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw new MalformedFileException("too short for a safetensors file (" + size
                    + " bytes; it must start with an 8-byte header length)");
        }
        ByteBuffer lenBuf = readAt(ch, 0, 8).order(ByteOrder.LITTLE_ENDIAN);
        long headerLength = lenBuf.getLong();
        if (headerLength < 0 || headerLength > size - 8) {
            throw new MalformedFileException("header length " + Long.toUnsignedString(headerLength)
                    + " is larger than the file (" + size + " bytes)");
        }
        if (headerLength > MAX_HEADER_BYTES) {
            throw new MalformedFileException("header length " + headerLength + " exceeds the limit of "
                    + MAX_HEADER_BYTES + " bytes");
        }
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .decode(readAt(ch, 8, (int) headerLength)).toString();
        } catch (CharacterCodingException e) {
            throw new MalformedFileException("header is not valid UTF-8");
        }
        JsonObject header;
        try {
            JsonElement parsed = JsonParser.parseString(text);
            if (!parsed.isJsonObject()) {
                throw new MalformedFileException("header is not a JSON object");
            }
            header = parsed.getAsJsonObject();
        } catch (JsonParseException e) {
            throw new MalformedFileException("header is not valid JSON (" + e.getMessage() + ")");
        }
        long dataStart = 8 + headerLength;
        long dataLength = size - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonElement> e : header.entrySet()) {
            if (e.getKey().equals(METADATA_KEY)) {
                metadata = metadata(e.getValue());
            } else {
                entries.add(entry(e.getKey(), e.getValue(), dataLength));
            }
        }
        entries.sort(Comparator.comparingLong(Entry::begin));
        LinkedHashMap<String, TorchTensor> tensors = new LinkedHashMap<>();
        for (Entry en : entries) {
            ByteBuffer raw = readAt(ch, dataStart + en.begin, (int) (en.end - en.begin));
            Object values = en.dtype.decode(raw, ByteOrder.LITTLE_ENDIAN, (int) en.numel);
            tensors.put(en.name, new TorchTensor(en.dtype, en.shape, false, en.dtype.wrap(values)));
        }
        return new Content(Collections.unmodifiableMap(metadata), tensors);
    }

    private record Entry(String name, TorchDtype dtype, long[] shape, long numel, long begin, long end) {}

    private static Entry entry(String name, JsonElement value, long dataLength) throws MalformedFileException {
        try {
            JsonObject o = value.getAsJsonObject();
            String dtypeName = o.get("dtype").getAsString();
            TorchDtype dtype = TorchDtype.ofSafetensorsName(dtypeName).orElseThrow(() -> new MalformedFileException(
                    "tensor '" + name + "' has unsupported dtype " + dtypeName + "; supported: "
                            + Arrays.stream(TorchDtype.values()).map(TorchDtype::safetensorsName).toList()));
            JsonArray s = o.getAsJsonArray("shape");
            long[] shape = new long[s.size()];
            long numel = 1;
            for (int i = 0; i < shape.length; i++) {
                shape[i] = s.get(i).getAsLong();
                if (shape[i] < 0) {
                    throw new MalformedFileException("tensor '" + name + "' has a negative extent in shape "
                            + s);
                }
                numel = Math.multiplyExact(numel, shape[i]);
            }
            JsonArray off = o.getAsJsonArray("data_offsets");
            if (off.size() != 2) {
                throw new MalformedFileException("tensor '" + name + "' needs data_offsets [begin, end], got "
                        + off);
            }
            long begin = off.get(0).getAsLong();
            long end = off.get(1).getAsLong();
            if (begin < 0 || end < begin || end > dataLength) {
                throw new MalformedFileException("tensor '" + name + "' has data_offsets [" + begin + ", " + end
                        + "] outside the " + dataLength + " data bytes");
            }
            long bytes = Math.multiplyExact(numel, (long) dtype.itemSize());
            if (end - begin != bytes) {
                throw new MalformedFileException("tensor '" + name + "' covers " + (end - begin)
                        + " bytes but " + dtypeName + " " + s + " needs " + bytes);
            }
            if (bytes > TensorViews.MAX_ELEMENTS) {
                throw new MalformedFileException("tensor '" + name + "' has " + bytes
                        + " bytes, more than one Java array can hold");
            }
            return new Entry(name, dtype, shape, numel, begin, end);
        } catch (IllegalStateException | NullPointerException | UnsupportedOperationException
                 | NumberFormatException | ClassCastException | ArithmeticException e) {
            throw new MalformedFileException("tensor '" + name + "' has a malformed header entry " + value
                    + " (expected {\"dtype\": ..., \"shape\": [...], \"data_offsets\": [begin, end]})");
        }
    }

    private static Map<String, String> metadata(JsonElement value) throws MalformedFileException {
        if (!value.isJsonObject()) {
            throw new MalformedFileException(METADATA_KEY + " must be an object of strings, got " + value);
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : value.getAsJsonObject().entrySet()) {
            if (!e.getValue().isJsonPrimitive() || !e.getValue().getAsJsonPrimitive().isString()) {
                throw new MalformedFileException(METADATA_KEY + " value of '" + e.getKey()
                        + "' must be a string, got " + e.getValue());
            }
            out.put(e.getKey(), e.getValue().getAsString());
        }
        return out;
    }

    private static ByteBuffer readAt(FileChannel ch, long position, int length) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(length);
        while (b.hasRemaining()) {
            int n = ch.read(b, position + b.position());
            if (n < 0) {
                throw new MalformedFileException("truncated: expected " + length + " bytes at offset " + position);
            }
        }
        return b.flip();
    }

    /** A format error, reported with the file name by {@link #read(Path)}. */
    private static final class MalformedFileException extends IOException {
        private static final long serialVersionUID = 1L;

        MalformedFileException(String message) {
            super(message);
        }
    }
}
