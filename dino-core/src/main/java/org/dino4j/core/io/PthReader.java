package org.dino4j.core.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;

/**
 * Reads PyTorch checkpoint files ({@code .pth}, {@code .pt}) as {@code torch.save} writes them since PyTorch 1.6:
 * a zip archive with {@code <prefix>/data.pkl} (the pickled object tree) and one record
 * {@code <prefix>/data/<key>} of raw little-endian elements per tensor storage.
 *
 * <p>The pickle is read as plain data (nothing in the file is executed); the result is a tree of:
 * <ul>
 *   <li>{@code Map<Object, Object>} for dicts and {@code OrderedDict}s (insertion order kept; keys are
 *       {@code String} or {@code Long}), {@code List<Object>} for lists, {@link PythonTuple} for tuples;</li>
 *   <li>{@code null}, {@code Boolean}, {@code Long} (or {@code BigInteger}), {@code Double}, {@code String},
 *       {@code byte[]};</li>
 *   <li>{@link TorchTensor} for tensors and {@code nn.Parameter}s (views of a storage gathered into contiguous
 *       values; the storage location, such as {@code cuda:0}, is ignored);</li>
 *   <li>{@link NumpyScalar} for numpy scalars and {@link PythonObject} for any other class instance (for example
 *       {@code argparse.Namespace}, whose attributes are {@link PythonObject#attributes()}).</li>
 * </ul>
 *
 * <p>A file that is not such a checkpoint, or is truncated or corrupt, fails with an {@link IOException} whose
 * message names the file and the problem. Every record is checked against its CRC, every length in the pickle
 * against the bytes that are left, and every tensor view against its storage, so bad input never allocates
 * memory it does not describe.
 *
 * <pre>{@code
 * LinkedHashMap<String, TorchTensor> weights = PthReader.readStateDict(Path.of("dino_deitsmall16_pretrain.pth"));
 * }</pre>
 */
public final class PthReader {

    private static final int MAX_PICKLE_BYTES = Integer.MAX_VALUE - 8;

    private PthReader() {}

    /**
     * Reads the whole object tree of a {@code torch.save} file.
     *
     * @param file the checkpoint
     * @return the unpickled object (see the class documentation for the value types)
     * @throws IOException if the file is missing, not a zip-format checkpoint, truncated or corrupt (the message
     *     names the file and the problem)
     */
    public static Object read(Path file) throws IOException {
        checkHeader(file);
        try (ZipFile zip = new ZipFile(file.toFile())) {
            try {
                return new Archive(zip).readObject();
            } catch (IOException e) {
                throw new IOException(file + ": " + e.getMessage(), e);
            }
        } catch (ZipException e) {
            throw new IOException(file + " is corrupt or truncated (not a readable zip archive: " + e.getMessage()
                    + ")", e);
        }
    }

    /**
     * Reads a file whose object is a state dict (an {@code OrderedDict} of name to tensor), such as the released
     * DINO and DINOv2 backbone weights.
     *
     * @param file the checkpoint
     * @return name to tensor, in the file's order
     * @throws IOException if the file cannot be read or does not hold a state dict
     */
    public static LinkedHashMap<String, TorchTensor> readStateDict(Path file) throws IOException {
        Object root = read(file);
        try {
            return stateDict(root, "the checkpoint");
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Views an unpickled value as a state dict.
     *
     * @param value a value read by {@link #read}
     * @param what how to name it in messages, e.g. {@code "checkpoint['teacher']"}
     * @return name to tensor, in order (a new map)
     * @throws IllegalArgumentException if {@code value} is not a dict of string to tensor
     */
    public static LinkedHashMap<String, TorchTensor> stateDict(Object value, String what) {
        if (!(value instanceof Map<?, ?> map)) {
            throw new IllegalArgumentException(what + " is not a state dict (a dict of name to tensor) but "
                    + typeName(value));
        }
        LinkedHashMap<String, TorchTensor> out = new LinkedHashMap<>();
        List<String> notTensors = new ArrayList<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (e.getKey() instanceof String k && e.getValue() instanceof TorchTensor t) {
                out.put(k, t);
            } else {
                notTensors.add(e.getKey() + " (" + typeName(e.getValue()) + ")");
            }
        }
        if (!notTensors.isEmpty()) {
            throw new IllegalArgumentException(what + " is not a state dict: entries that are not tensors: "
                    + (notTensors.size() > 10 ? notTensors.subList(0, 10) + " and " + (notTensors.size() - 10)
                    + " more" : notTensors));
        }
        return out;
    }

    /** A short Python-flavoured type name of a value read by {@link #read}, for messages. */
    public static String typeName(Object value) {
        if (value == null) {
            return "None";
        }
        if (value instanceof Map) {
            return "dict";
        }
        if (value instanceof List) {
            return "list";
        }
        if (value instanceof PythonTuple) {
            return "tuple";
        }
        if (value instanceof PythonObject o) {
            return o.className();
        }
        if (value instanceof TorchTensor t) {
            return "tensor " + t.dtype() + " " + java.util.Arrays.toString(t.shape());
        }
        if (value instanceof String) {
            return "str";
        }
        if (value instanceof Long) {
            return "int";
        }
        if (value instanceof Double) {
            return "float";
        }
        if (value instanceof Boolean) {
            return "bool";
        }
        return value.getClass().getSimpleName();
    }

    /** Fails early, with a specific message, for files that are not zip archives. */
    private static void checkHeader(Path file) throws IOException {
        if (!Files.exists(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such checkpoint file");
        }
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + " is not a regular file");
        }
        long size = Files.size(file);
        if (size == 0) {
            throw new IOException(file + " is empty (0 bytes); expected a checkpoint written by torch.save");
        }
        byte[] head = new byte[4];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, 4);
        }
        if (n == 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            return;
        }
        if (n >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5) {
            throw new IOException(file + " is in the legacy torch.save format of PyTorch < 1.6 (a bare pickle),"
                    + " which is not supported; load it in PyTorch and save it again with torch.save"
                    + " (PyTorch >= 1.6 writes the zip format)");
        }
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < n; i++) {
            hex.append(i > 0 ? " " : "").append(String.format("%02x", head[i] & 0xff));
        }
        throw new IOException(file + " is not a PyTorch checkpoint: expected a zip archive (the torch.save format"
                + " since PyTorch 1.6), but the file starts with bytes " + hex);
    }

    /** One open checkpoint: its records, byte order and the storages read so far. */
    private static final class Archive implements TorchUnpickler.StorageSource {
        private final ZipFile zip;
        private final Map<String, Object> storages = new HashMap<>();
        private final Map<String, TorchUnpickler.StorageRef> refs = new HashMap<>();
        private String prefix;
        private ByteOrder order = ByteOrder.LITTLE_ENDIAN;

        Archive(ZipFile zip) {
            this.zip = zip;
        }

        Object readObject() throws IOException {
            ZipEntry pickle = findPickle();
            prefix = pickle.getName().substring(0, pickle.getName().length() - "data.pkl".length());
            ZipEntry byteorder = zip.getEntry(prefix + "byteorder");
            if (byteorder != null) {
                String value = new String(readRecord(byteorder, 16), StandardCharsets.US_ASCII).trim();
                switch (value) {
                    case "little" -> order = ByteOrder.LITTLE_ENDIAN;
                    case "big" -> order = ByteOrder.BIG_ENDIAN;
                    default -> throw new IOException("record " + byteorder.getName() + " holds '" + value
                            + "'; expected 'little' or 'big'");
                }
            }
            if (pickle.getSize() > MAX_PICKLE_BYTES) {
                throw new IOException(pickle.getName() + " is too large (" + pickle.getSize()
                        + " bytes)");
            }
            byte[] data = readRecord(pickle, MAX_PICKLE_BYTES);
            return new TorchUnpickler(this).unpickle(data);
        }

        private ZipEntry findPickle() throws IOException {
            List<ZipEntry> found = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (ZipEntry e : Collections.list(zip.entries())) {
                names.add(e.getName());
                // <prefix>/data.pkl; the prefix is the file's stem at save time ("archive" for streams).
                String n = e.getName();
                if (n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - "/data.pkl".length()) {
                    found.add(e);
                }
            }
            if (found.size() != 1) {
                throw new IOException("not a torch.save checkpoint: expected one <prefix>/data.pkl"
                        + " record, found " + found.size() + " (records: "
                        + (names.size() > 8 ? names.subList(0, 8) + " ..." : names) + ")");
            }
            return found.get(0);
        }

        @Override
        public Object read(TorchUnpickler.StorageRef ref) throws IOException {
            TorchUnpickler.StorageRef seen = refs.putIfAbsent(ref.key(), ref);
            if (seen != null && !seen.equals(ref)) {
                throw new IOException("storage " + ref.key() + " is declared both as " + seen.numel() + " "
                        + seen.dtype() + " and as " + ref.numel() + " " + ref.dtype() + " elements");
            }
            Object cached = storages.get(ref.key());
            if (cached != null) {
                return cached;
            }
            String name = prefix + "data/" + ref.key();
            ZipEntry e = zip.getEntry(name);
            if (e == null) {
                throw new IOException("storage " + ref.key() + " (" + ref.numel() + " " + ref.dtype()
                        + " elements) has no record " + name);
            }
            long bytes;
            try {
                bytes = Math.multiplyExact(ref.numel(), (long) ref.dtype().itemSize());
            } catch (ArithmeticException ex) {
                bytes = Long.MAX_VALUE;
            }
            if (e.getSize() != bytes) {
                throw new IOException("record " + name + " has " + e.getSize() + " bytes but the pickle declares "
                        + ref.numel() + " " + ref.dtype() + " elements (" + (bytes == Long.MAX_VALUE ? "overflow"
                        : bytes + " bytes") + ")");
            }
            if (bytes > TensorViews.MAX_ELEMENTS) {
                throw new IOException("storage " + ref.key() + " has " + bytes
                        + " bytes, more than one Java array can hold");
            }
            byte[] raw = readRecord(e, (int) bytes);
            Object decoded = ref.dtype().decode(ByteBuffer.wrap(raw), order, (int) ref.numel());
            storages.put(ref.key(), decoded);
            return decoded;
        }

        /** A record's bytes, checked against its size and CRC. */
        private byte[] readRecord(ZipEntry e, int limit) throws IOException {
            long size = e.getSize();
            if (size < 0 || size > limit) {
                throw new IOException("record " + e.getName() + " has an invalid size " + size);
            }
            byte[] b;
            try (InputStream in = zip.getInputStream(e)) {
                b = in.readNBytes((int) size);
            } catch (ZipException ex) {
                throw new IOException("record " + e.getName() + " cannot be read (" + ex.getMessage() + ")", ex);
            }
            if (b.length != size) {
                throw new IOException("record " + e.getName() + " is truncated: " + b.length + " of " + size
                        + " bytes");
            }
            if (e.getCrc() != -1) {
                CRC32 crc = new CRC32();
                crc.update(b);
                if (crc.getValue() != e.getCrc()) {
                    throw new IOException("record " + e.getName() + " fails its CRC check (the file is corrupt)");
                }
            }
            return b;
        }
    }
}
