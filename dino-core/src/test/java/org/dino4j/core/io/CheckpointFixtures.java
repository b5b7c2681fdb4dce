package org.dino4j.core.io;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import org.dino4j.core.testing.Fixtures;

import java.math.BigInteger;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Access to the checkpoint fixtures ({@code <fixture root>/checkpoints}) for tests. */
public final class CheckpointFixtures {

    private CheckpointFixtures() {}

    /** The manifest of one checkpoint fixture, e.g. {@code dino_backbone}. */
    public static TensorManifest open(String name) {
        return Fixtures.open("checkpoints/" + name);
    }

    /** The {@code .pth} file of a fixture, as its manifest names it. */
    public static Path pth(TensorManifest fixture) {
        String file = fixture.json().getAsJsonObject("checkpoint").get("file").getAsString();
        return fixture.directory().resolve(file).normalize();
    }

    /**
     * A value read by {@link PthReader} in the JSON rendering of the manifests' {@code python_values}: tuples as
     * {@code {"__tuple__": [...]}}, numpy scalars as {@code {"__numpy_scalar__": dtype, "value": v}}, objects as
     * their attributes plus {@code "__class__"}, tensors as {@code {"__tensor__": shape}}, dict keys as strings.
     */
    public static JsonElement toJson(Object v) {
        if (v == null) {
            return JsonNull.INSTANCE;
        }
        if (v instanceof Boolean b) {
            return new JsonPrimitive(b);
        }
        if (v instanceof Long || v instanceof Double || v instanceof BigInteger) {
            return new JsonPrimitive((Number) v);
        }
        if (v instanceof String s) {
            return new JsonPrimitive(s);
        }
        if (v instanceof PythonTuple t) {
            JsonObject o = new JsonObject();
            o.add("__tuple__", toJson(t.items()));
            return o;
        }
        if (v instanceof List<?> l) {
            JsonArray a = new JsonArray();
            l.forEach(x -> a.add(toJson(x)));
            return a;
        }
        if (v instanceof Map<?, ?> m) {
            JsonObject o = new JsonObject();
            m.forEach((k, x) -> o.add(String.valueOf(k), toJson(x)));
            return o;
        }
        if (v instanceof NumpyScalar s) {
            JsonObject o = new JsonObject();
            o.addProperty("__numpy_scalar__", s.dtype());
            o.add("value", toJson(s.value()));
            return o;
        }
        if (v instanceof PythonObject p) {
            JsonObject o = new JsonObject();
            o.addProperty("__class__", p.className());
            p.attributes().forEach((k, x) -> o.add(k, toJson(x)));
            return o;
        }
        if (v instanceof TorchTensor t) {
            JsonObject o = new JsonObject();
            JsonArray shape = new JsonArray();
            for (long d : t.shape()) {
                shape.add(d);
            }
            o.add("__tensor__", shape);
            return o;
        }
        throw new IllegalArgumentException("no JSON rendering for " + v.getClass());
    }
}
