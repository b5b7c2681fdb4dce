package org.dino4j.core.io;

import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The unpickler for {@code data.pkl} of a {@code torch.save} file: {@code net.razorvine.pickle}'s opcode machinery,
 * with the class lookup replaced by an allow-list, so that no class named in a file is ever instantiated.
 *
 * <p>Known globals build plain data ({@code collections.OrderedDict} as an insertion-ordered map, tensors through
 * {@code torch._utils._rebuild_tensor_v2} / {@code _rebuild_parameter}, numpy scalars, {@code _codecs.encode});
 * every other global becomes a {@link PythonObject} that records its arguments and state. The overrides also keep
 * dict order (the library's dicts are hash maps) and bound every length read from the stream by the bytes that are
 * left, so a corrupt length cannot trigger a huge allocation.
 *
 * <p>Not thread-safe; one instance per file.
 */
final class TorchUnpickler extends Unpickler {

    /** Deepest nesting accepted when converting the result (deeper means corrupt or cyclic data). */
    static final int MAX_DEPTH = 1000;

    /** Reads a storage referenced by a tensor: the decoded primitive array of its whole record. */
    interface StorageSource {
        Object read(StorageRef ref) throws IOException;
    }

    /**
     * A storage named by a persistent id {@code ('storage', <class>, key, location, numel)}.
     *
     * @param dtype the element type (from the storage class)
     * @param key the record name under {@code <prefix>/data/}
     * @param numel the element count
     */
    record StorageRef(TorchDtype dtype, String key, long numel) {}

    private final StorageSource storages;

    TorchUnpickler(StorageSource storages) {
        this.storages = storages;
    }

    /**
     * Unpickles {@code data} and converts the result to plain values.
     *
     * @param data the bytes of {@code data.pkl}
     * @return the object tree (see {@link PthReader#read})
     * @throws IOException with the reason, when the pickle is malformed or a storage cannot be read
     */
    Object unpickle(byte[] data) throws IOException {
        Object raw;
        try {
            raw = load(new ByteArrayInputStream(data));
        } catch (UncheckedIOException e) {
            // a storage or a tensor view is wrong, not the pickle itself
            throw e.getCause();
        } catch (PickleException | IOException e) {
            throw new IOException("corrupt data.pkl: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            // A malformed stream shows up as a stack underflow, a missing mark or a wrong operand type.
            throw new IOException("corrupt data.pkl: malformed pickle (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")", e);
        } finally {
            close();
        }
        try {
            return normalize(raw, 0);
        } catch (IOException e) {
            throw new IOException("corrupt data.pkl: " + e.getMessage(), e);
        }
    }

    @Override
    protected Object dispatch(short key) throws PickleException, IOException {
        switch (key) {
            case Opcodes.GLOBAL -> {
                String module = PickleUtils.readline(input);
                String name = PickleUtils.readline(input);
                stack.add(resolve(module, name));
            }
            case Opcodes.STACK_GLOBAL -> {
                Object name = stack.pop();
                Object module = stack.pop();
                if (!(module instanceof String m) || !(name instanceof String n)) {
                    throw new PickleException("STACK_GLOBAL needs two strings, got " + describe(module) + " and "
                            + describe(name));
                }
                stack.add(resolve(m, n));
            }
            case Opcodes.INST -> throw new PickleException("opcode INST (protocol-0 class instance) is not"
                    + " supported in checkpoints");
            case Opcodes.EMPTY_DICT -> stack.add(new LinkedHashMap<>());
            case Opcodes.DICT -> stack.add(toMap(stack.pop_all_since_marker()));
            case Opcodes.SETITEMS -> {
                List<Object> items = stack.pop_all_since_marker();
                mapOnTop().putAll(toMap(items));
            }
            case Opcodes.SETITEM -> {
                Object value = stack.pop();
                Object k = stack.pop();
                mapOnTop().put(k, value);
            }
            case Opcodes.BUILD -> build(stack.pop(), stack.peek());
            case Opcodes.BINUNICODE -> stack.add(utf8(readCounted(readUnsigned(4), "BINUNICODE string")));
            case Opcodes.BINUNICODE8 -> stack.add(utf8(readCounted(readUnsigned(8), "BINUNICODE8 string")));
            case Opcodes.BINSTRING -> stack.add(new String(readCounted(readSigned4(), "BINSTRING"),
                    StandardCharsets.ISO_8859_1));
            case Opcodes.BINBYTES -> stack.add(readCounted(readUnsigned(4), "BINBYTES"));
            case Opcodes.BINBYTES8, Opcodes.BYTEARRAY8 -> stack.add(readCounted(readUnsigned(8), "BINBYTES8"));
            case Opcodes.LONG4 -> stack.add(decodeLong(readCounted(readSigned4(), "LONG4 integer")));
            case Opcodes.LONG1 -> stack.add(decodeLong(readCounted(readUnsigned(1), "LONG1 integer")));
            case Opcodes.BININT -> stack.add((long) readSigned4());
            case Opcodes.BININT1 -> stack.add(readUnsigned(1));
            case Opcodes.BININT2 -> stack.add(readUnsigned(2));
            default -> {
                return super.dispatch(key);
            }
        }
        return NO_RETURN_VALUE;
    }

    @Override
    protected Object persistentLoad(Object pid) {
        // torch.save: ('storage', <storage class>, key, location, numel); the location (cpu, cuda:0) is ignored.
        if (!(pid instanceof Object[] t) || t.length < 5 || !"storage".equals(t[0])) {
            throw new PickleException("unsupported persistent id " + describe(pid)
                    + "; expected ('storage', <storage class>, key, location, numel)");
        }
        if (!(t[1] instanceof StorageClass cls)) {
            throw new PickleException("persistent id names " + describe(t[1]) + " instead of a storage class");
        }
        if (!(t[2] instanceof String storageKey) || !(t[4] instanceof Long || t[4] instanceof Integer)
                || ((Number) t[4]).longValue() < 0) {
            throw new PickleException("malformed storage id " + describe(pid));
        }
        return new StorageRef(cls.dtype, storageKey, ((Number) t[4]).longValue());
    }

    private byte[] readCounted(long length, String what) throws IOException {
        int left = input.available();
        if (length < 0 || length > left) {
            throw new PickleException(what + " length " + length + " exceeds the " + left
                    + " bytes left in data.pkl");
        }
        return PickleUtils.readbytes(input, (int) length);
    }

    private long readUnsigned(int bytes) throws IOException {
        byte[] b = readCounted(bytes, "operand");
        long v = 0;
        for (int i = bytes - 1; i >= 0; i--) {
            v = (v << 8) | (b[i] & 0xff);
        }
        if (v < 0) {
            throw new PickleException("length " + Long.toUnsignedString(v) + " is out of range");
        }
        return v;
    }

    private int readSigned4() throws IOException {
        return ByteBuffer.wrap(readCounted(4, "operand")).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    private static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }

    /** Python's two's-complement little-endian long, as Long when it fits. */
    private static Object decodeLong(byte[] b) {
        if (b.length == 0) {
            return 0L;
        }
        byte[] bigEndian = new byte[b.length];
        for (int i = 0; i < b.length; i++) {
            bigEndian[i] = b[b.length - 1 - i];
        }
        BigInteger v = new BigInteger(bigEndian);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    @SuppressWarnings("unchecked")
    private Map<Object, Object> mapOnTop() {
        Object top = stack.peek();
        if (!(top instanceof Map)) {
            throw new PickleException("SETITEM(S) on " + describe(top) + ", not a dict");
        }
        return (Map<Object, Object>) top;
    }

    private static LinkedHashMap<Object, Object> toMap(List<Object> keysAndValues) {
        if (keysAndValues.size() % 2 != 0) {
            throw new PickleException("odd number of dict items (" + keysAndValues.size() + ")");
        }
        LinkedHashMap<Object, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.size(); i += 2) {
            map.put(keysAndValues.get(i), keysAndValues.get(i + 1));
        }
        return map;
    }

    private static void build(Object state, Object target) {
        if (target instanceof PendingObject p) {
            p.state = state;
        } else if (target instanceof NumpyDtype d) {
            // numpy.dtype state: (version, byte order, ...); the byte order is the part a scalar needs.
            if (state instanceof Object[] s && s.length > 1 && s[1] instanceof String order) {
                d.byteOrder = order;
            }
        } else if (!(target instanceof Map)) {
            // An OrderedDict's state holds the state dict's _metadata (module versions); nothing to keep.
            throw new PickleException("BUILD on " + describe(target) + " is not supported");
        }
    }

    /** The allow-list: what each global of a checkpoint stands for. */
    private Object resolve(String module, String name) {
        String qualified = module + "." + name;
        switch (qualified) {
            case "collections.OrderedDict":
                return (IObjectConstructor) TorchUnpickler::orderedDict;
            case "torch._utils._rebuild_tensor_v2":
            case "torch._utils._rebuild_tensor":
                return (IObjectConstructor) this::rebuildTensor;
            case "torch._utils._rebuild_parameter":
            case "torch._utils._rebuild_parameter_with_state":
                return (IObjectConstructor) TorchUnpickler::parameter;
            case "numpy.core.multiarray.scalar":
            case "numpy._core.multiarray.scalar":
                return (IObjectConstructor) TorchUnpickler::numpyScalar;
            case "numpy.dtype":
                return (IObjectConstructor) args -> new NumpyDtype(args.length > 0 ? args[0] : null);
            case "_codecs.encode":
                return (IObjectConstructor) TorchUnpickler::encode;
            default:
                break;
        }
        if (module.equals("torch") && name.endsWith("Storage")) {
            return TorchDtype.ofStorageClass(qualified).map(StorageClass::new).orElseThrow(() ->
                    new PickleException("unsupported storage type " + qualified + "; supported: "
                            + Arrays.stream(TorchDtype.values()).map(TorchDtype::storageClass).toList()));
        }
        if (module.equals("torch._utils") && name.startsWith("_rebuild")) {
            throw new PickleException("unsupported tensor kind " + qualified
                    + " (only dense tensors and parameters can be read)");
        }
        return new OpaqueClass(qualified);
    }

    @Override
    protected Object next_buffer() {
        throw new PickleException("out-of-band buffers (pickle protocol 5) are not supported");
    }

    private static Object orderedDict(Object[] args) {
        LinkedHashMap<Object, Object> map = new LinkedHashMap<>();
        if (args.length > 0 && args[0] instanceof List<?> pairs) {
            for (Object p : pairs) {
                if (!(p instanceof Object[] kv) || kv.length != 2) {
                    throw new PickleException("OrderedDict item " + describe(p) + " is not a (key, value) pair");
                }
                map.put(kv[0], kv[1]);
            }
        }
        return map;
    }

    private static Object parameter(Object[] args) {
        if (args.length < 2 || !(args[0] instanceof TorchTensor t) || !(args[1] instanceof Boolean grad)) {
            throw new PickleException("_rebuild_parameter needs (tensor, requires_grad, ...), got " + describe(args));
        }
        return new TorchTensor(t.dtype(), t.shape(), grad, t.values());
    }

    private static Object encode(Object[] args) {
        if (args.length < 1 || !(args[0] instanceof String s)) {
            throw new PickleException("_codecs.encode needs a string, got " + describe(args));
        }
        String encoding = args.length > 1 && args[1] instanceof String e ? e : "utf-8";
        if (encoding.equals("latin1") || encoding.equals("latin-1") || encoding.equals("iso-8859-1")) {
            byte[] out = new byte[s.length()];
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c > 0xff) {
                    throw new PickleException("latin1 text holds character " + (int) c);
                }
                out[i] = (byte) c;
            }
            return out;
        }
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static Object numpyScalar(Object[] args) {
        if (args.length < 2 || !(args[0] instanceof NumpyDtype d) || !(args[1] instanceof byte[] b)) {
            throw new PickleException("numpy scalar needs (dtype, bytes), got " + describe(args));
        }
        String code = String.valueOf(d.code);
        String order = code.startsWith(">") || ">".equals(d.byteOrder) ? ">" : "<";
        code = code.replaceFirst("^[<>=|]", "");
        ByteBuffer buf = ByteBuffer.wrap(b).order(order.equals(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
        int width = code.length() > 1 ? Integer.parseInt(code.substring(1)) : -1;
        if (width != b.length) {
            throw new PickleException("numpy scalar of dtype " + code + " has " + b.length + " bytes");
        }
        return switch (code) {
            case "f8" -> new NumpyScalar("float64", buf.getDouble());
            case "f4" -> new NumpyScalar("float32", (double) buf.getFloat());
            case "f2" -> new NumpyScalar("float16", (double) TorchDtype.halfToFloat(buf.getShort()));
            case "i8" -> new NumpyScalar("int64", buf.getLong());
            case "i4" -> new NumpyScalar("int32", (long) buf.getInt());
            case "i2" -> new NumpyScalar("int16", (long) buf.getShort());
            case "i1" -> new NumpyScalar("int8", (long) buf.get());
            case "u1" -> new NumpyScalar("uint8", (long) (buf.get() & 0xff));
            case "u2" -> new NumpyScalar("uint16", (long) (buf.getShort() & 0xffff));
            case "u4" -> new NumpyScalar("uint32", buf.getInt() & 0xffffffffL);
            case "b1" -> new NumpyScalar("bool", buf.get() != 0);
            default -> throw new PickleException("unsupported numpy scalar dtype " + code);
        };
    }

    /** Marks a storage class such as {@code torch.FloatStorage} (only used inside persistent ids). */
    private record StorageClass(TorchDtype dtype) {}

    /** {@code numpy.dtype(code, ...)}; BUILD may set the byte order. */
    private static final class NumpyDtype {
        final Object code;
        String byteOrder = "<";

        NumpyDtype(Object code) {
            this.code = code;
        }
    }

    /** A class outside the allow-list: calling it records the arguments; nothing is executed. */
    private record OpaqueClass(String qualifiedName) implements IObjectConstructor {
        @Override
        public Object construct(Object[] args) {
            return new PendingObject(qualifiedName, args);
        }
    }

    /** The mutable form of a {@link PythonObject} while BUILD may still set its state (it may be memoised). */
    private static final class PendingObject {
        final String className;
        final Object[] args;
        Object state;

        PendingObject(String className, Object[] args) {
            this.className = className;
            this.args = args;
        }
    }

    /**
     * Builds a tensor view {@code (storage, storage_offset, size, stride, requires_grad, ...)} of a storage.
     */
    private Object rebuildTensor(Object[] args) {
        if (args.length < 4 || !(args[0] instanceof StorageRef ref) || !(args[1] instanceof Number offset)
                || !(args[2] instanceof Object[] size) || !(args[3] instanceof Object[] stride)) {
            throw new PickleException("_rebuild_tensor_v2 needs (storage, offset, size, stride, ...), got "
                    + describe(args));
        }
        boolean requiresGrad = args.length > 4 && Boolean.TRUE.equals(args[4]);
        long[] sz = longs(size, "size");
        long[] st = longs(stride, "stride");
        Object storage;
        try {
            storage = storages.read(ref);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new TorchTensor(ref.dtype(), sz, requiresGrad, ref.dtype().wrap(
                TensorViews.gather(storage, ref, offset.longValue(), sz, st)));
    }

    private static long[] longs(Object[] values, String what) {
        long[] out = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            if (!(values[i] instanceof Long || values[i] instanceof Integer)) {
                throw new PickleException("tensor " + what + " " + describe(values) + " is not a tuple of ints");
            }
            out[i] = ((Number) values[i]).longValue();
        }
        return out;
    }

    /**
     * Converts the unpickled tree into the documented plain values: tuples to {@link PythonTuple}, lists to
     * unmodifiable lists, dicts to unmodifiable insertion-ordered maps, ints to {@code Long} (or
     * {@code BigInteger}), unknown objects to {@link PythonObject}.
     */
    static Object normalize(Object v, int depth) throws IOException {
        if (depth > MAX_DEPTH) {
            throw new IOException("object tree nested deeper than " + MAX_DEPTH + " levels (corrupt or cyclic)");
        }
        if (v == null || v instanceof String || v instanceof Boolean || v instanceof Double || v instanceof Long
                || v instanceof TorchTensor || v instanceof NumpyScalar || v instanceof byte[]) {
            return v;
        }
        if (v instanceof Integer i) {
            return (long) i;
        }
        if (v instanceof BigInteger b) {
            return b.bitLength() < 64 ? (Object) b.longValue() : b;
        }
        if (v instanceof Object[] t) {
            List<Object> items = new ArrayList<>(t.length);
            for (Object o : t) {
                items.add(normalize(o, depth + 1));
            }
            return new PythonTuple(items);
        }
        if (v instanceof List<?> l) {
            List<Object> items = new ArrayList<>(l.size());
            for (Object o : l) {
                items.add(normalize(o, depth + 1));
            }
            return Collections.unmodifiableList(items);
        }
        if (v instanceof Map<?, ?> m) {
            LinkedHashMap<Object, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                out.put(normalize(e.getKey(), depth + 1), normalize(e.getValue(), depth + 1));
            }
            return Collections.unmodifiableMap(out);
        }
        if (v instanceof Set<?> s) {
            LinkedHashSet<Object> out = new LinkedHashSet<>();
            for (Object o : s) {
                out.add(normalize(o, depth + 1));
            }
            return Collections.unmodifiableSet(out);
        }
        if (v instanceof PendingObject p) {
            List<Object> args = new ArrayList<>(p.args.length);
            for (Object o : p.args) {
                args.add(normalize(o, depth + 1));
            }
            return new PythonObject(p.className, args, normalize(p.state, depth + 1));
        }
        if (v instanceof OpaqueClass c) {
            return new PythonObject(c.qualifiedName(), List.of(), null);
        }
        if (v instanceof NumpyDtype d) {
            return new PythonObject("numpy.dtype", List.of(String.valueOf(d.code)), null);
        }
        if (v instanceof StorageRef r) {
            throw new IOException("a bare storage (key " + r.key() + ") outside a tensor is not supported");
        }
        throw new IOException("unsupported value in the object tree: " + describe(v));
    }

    static String describe(Object o) {
        if (o == null) {
            return "None";
        }
        if (o instanceof Object[] a) {
            StringBuilder sb = new StringBuilder("(");
            for (int i = 0; i < a.length && i < 6; i++) {
                sb.append(i > 0 ? ", " : "").append(describe(a[i]));
            }
            return sb.append(a.length > 6 ? ", ...)" : ")").toString();
        }
        if (o instanceof String s) {
            return "'" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "'";
        }
        if (o instanceof Number || o instanceof Boolean || o instanceof TorchTensor || o instanceof StorageRef) {
            return o.toString();
        }
        return o.getClass().getSimpleName();
    }
}
