package org.dino4j.core.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.Reader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A directory of raw tensors described by a {@code manifest.json}: the format of dino4j's parity fixtures
 * ({@code <dir>/manifest.json} plus {@code <role>/<name>.bin} files, little-endian, C order, no header).
 *
 * <p>Tensor names are {@code <role>/<name>}, e.g. {@code params/blocks.0.attn.qkv.weight}; roles are {@code params},
 * {@code inputs}, {@code expected} and {@code debug}.
 */
public final class TensorManifest {

    /**
     * One tensor entry of the manifest.
     *
     * @param name {@code <role>/<name>}
     * @param dtype {@code float32}, {@code float64} or {@code int32}
     * @param shape the shape ({@code [1]} for a scalar)
     * @param file the file relative to the manifest's directory
     */
    public record Entry(String name, String dtype, long[] shape, String file) {}

    private final Path dir;
    private final JsonObject manifest;
    private final LinkedHashMap<String, Entry> entries = new LinkedHashMap<>();

    private TensorManifest(Path dir, JsonObject manifest) {
        this.dir = dir;
        this.manifest = manifest;
        JsonArray tensors = manifest.getAsJsonArray("tensors");
        if (tensors == null) {
            throw new IllegalArgumentException(dir.resolve("manifest.json") + " has no \"tensors\" list");
        }
        for (JsonElement el : tensors) {
            JsonObject t = el.getAsJsonObject();
            JsonArray s = t.getAsJsonArray("shape");
            long[] shape = new long[s.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = s.get(i).getAsLong();
            }
            Entry e = new Entry(t.get("name").getAsString(), t.get("dtype").getAsString(), shape,
                    t.get("file").getAsString());
            entries.put(e.name(), e);
        }
    }

    /**
     * Reads {@code dir/manifest.json}.
     *
     * @param dir the fixture directory
     * @return the manifest
     * @throws IOException if the manifest is missing or unreadable
     */
    public static TensorManifest open(Path dir) throws IOException {
        Path file = dir.resolve("manifest.json");
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null,
                    "no manifest.json: expected a tensor directory with manifest.json and <role>/<name>.bin files");
        }
        try (Reader r = Files.newBufferedReader(file)) {
            return new TensorManifest(dir, JsonParser.parseReader(r).getAsJsonObject());
        } catch (IllegalStateException | com.google.gson.JsonParseException e) {
            throw new IOException(file + " is not a valid manifest: " + e.getMessage(), e);
        }
    }

    /** The directory this manifest describes. */
    public Path directory() {
        return dir;
    }

    /** The whole manifest JSON (config, scalars, self_checks, ...). */
    public JsonObject json() {
        return manifest;
    }

    /** The {@code config} object (empty if absent). */
    public JsonObject config() {
        JsonObject c = manifest.getAsJsonObject("config");
        return c == null ? new JsonObject() : c;
    }

    /** The {@code scalars} object (empty if absent). */
    public JsonObject scalars() {
        JsonObject c = manifest.getAsJsonObject("scalars");
        return c == null ? new JsonObject() : c;
    }

    /** A scalar from {@code scalars} by key. */
    public double scalar(String key) {
        JsonElement e = scalars().get(key);
        if (e == null) {
            throw new IllegalArgumentException("no scalar '" + key + "' in " + dir + "; known: "
                    + new TreeSet<>(scalars().keySet()));
        }
        return e.getAsDouble();
    }

    /** Every entry, in manifest order. */
    public Map<String, Entry> entries() {
        return Collections.unmodifiableMap(entries);
    }

    /** Names (without the role prefix) of the tensors of one role, in manifest order. */
    public List<String> names(String role) {
        List<String> out = new ArrayList<>();
        String prefix = role + "/";
        for (String n : entries.keySet()) {
            if (n.startsWith(prefix)) {
                out.add(n.substring(prefix.length()));
            }
        }
        return out;
    }

    /** The entry of one tensor, with a clear error if it is not in the manifest. */
    public Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new IllegalArgumentException("no tensor '" + name + "' in " + dir.resolve("manifest.json"));
        }
        return e;
    }

    /** The shape of one tensor. */
    public Shape shape(String name) {
        return new Shape(entry(name).shape());
    }

    private ByteBuffer bytes(Entry e) throws IOException {
        Path f = dir.resolve(e.file());
        byte[] b = Files.readAllBytes(f);
        long count = new Shape(e.shape()).size();
        int width = switch (e.dtype()) {
            case "float32", "int32" -> 4;
            case "float64" -> 8;
            default -> throw new IOException("unsupported dtype " + e.dtype() + " of " + e.name()
                    + "; expected float32, float64 or int32");
        };
        if (b.length != count * width) {
            throw new IOException(f + " has " + b.length + " bytes, expected " + count * width + " for "
                    + e.dtype() + " " + new Shape(e.shape()));
        }
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A float32 (or int32, converted) tensor's values. */
    public float[] floats(String name) throws IOException {
        Entry e = entry(name);
        ByteBuffer bb = bytes(e);
        float[] out = new float[bb.remaining() / ("float64".equals(e.dtype()) ? 8 : 4)];
        switch (e.dtype()) {
            case "float32" -> bb.asFloatBuffer().get(out);
            case "int32" -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = bb.getInt(i * 4);
                }
            }
            default -> {
                for (int i = 0; i < out.length; i++) {
                    out[i] = (float) bb.getDouble(i * 8);
                }
            }
        }
        return out;
    }

    /** A tensor's values widened to double. */
    public double[] doubles(String name) throws IOException {
        Entry e = entry(name);
        if ("float64".equals(e.dtype())) {
            ByteBuffer bb = bytes(e);
            double[] out = new double[bb.remaining() / 8];
            bb.asDoubleBuffer().get(out);
            return out;
        }
        float[] f = floats(name);
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = f[i];
        }
        return out;
    }

    /** An int32 tensor's values. */
    public int[] ints(String name) throws IOException {
        Entry e = entry(name);
        if (!"int32".equals(e.dtype())) {
            throw new IllegalArgumentException(name + " is " + e.dtype() + ", not int32");
        }
        ByteBuffer bb = bytes(e);
        int[] out = new int[bb.remaining() / 4];
        bb.asIntBuffer().get(out);
        return out;
    }

    /** Loads one tensor as a float32 NDArray in {@code manager} (int32 stays int32). */
    public NDArray load(NDManager manager, String name) throws IOException {
        Entry e = entry(name);
        if ("int32".equals(e.dtype())) {
            return manager.create(ints(name), new Shape(e.shape()));
        }
        return manager.create(floats(name), new Shape(e.shape()));
    }

    /**
     * Loads every tensor of one role, keyed by name without the role prefix (e.g. a state dict from
     * {@code params}).
     */
    public LinkedHashMap<String, NDArray> loadRole(NDManager manager, String role) throws IOException {
        LinkedHashMap<String, NDArray> out = new LinkedHashMap<>();
        for (String n : names(role)) {
            out.put(n, load(manager, role + "/" + n));
        }
        return out;
    }

    /**
     * Loads every tensor whose name starts with {@code prefix}, keyed by the rest of the name.
     */
    public LinkedHashMap<String, NDArray> loadPrefix(NDManager manager, String prefix) throws IOException {
        LinkedHashMap<String, NDArray> out = new LinkedHashMap<>();
        for (String n : entries.keySet()) {
            if (n.startsWith(prefix)) {
                out.put(n.substring(prefix.length()), load(manager, n));
            }
        }
        return out;
    }

    /**
     * The tolerance for one tensor: the first glob pattern of {@code tolerance} that matches its name (patterns
     * use {@code *} for any run of characters and {@code {a,b}} for alternatives), else {@code default}.
     */
    public Tolerance tolerance(String tensorName) {
        JsonObject tol = manifest.getAsJsonObject("tolerance");
        if (tol == null) {
            throw new IllegalArgumentException(dir + " manifest has no tolerance");
        }
        for (Map.Entry<String, JsonElement> e : tol.entrySet()) {
            String key = e.getKey();
            if ("default".equals(key) || !e.getValue().isJsonObject()
                    || !e.getValue().getAsJsonObject().has("atol")) {
                continue;
            }
            if (globToRegex(key).matcher(tensorName).matches()) {
                return toTolerance(e.getValue().getAsJsonObject());
            }
        }
        return toTolerance(tol.getAsJsonObject("default"));
    }

    private static Tolerance toTolerance(JsonObject o) {
        return new Tolerance(o.has("atol") ? o.get("atol").getAsDouble() : 0,
                o.has("rtol") ? o.get("rtol").getAsDouble() : 0);
    }

    /** Translates a glob with {@code *}, {@code ?} and {@code {a,b}} into a regex. */
    static Pattern globToRegex(String glob) {
        StringBuilder sb = new StringBuilder();
        boolean inGroup = false;
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> sb.append(".*");
                case '?' -> sb.append('.');
                case '{' -> {
                    sb.append("(?:");
                    inGroup = true;
                }
                case '}' -> {
                    sb.append(')');
                    inGroup = false;
                }
                case ',' -> sb.append(inGroup ? "|" : ",");
                default -> sb.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(sb.toString());
    }
}
