package org.dino4j.core.io;

import ai.djl.ndarray.types.DataType;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.Locale;
import java.util.Optional;

/**
 * The element types of stored PyTorch tensors that dino4j reads, with their names in the two file formats:
 * the storage class of a {@code torch.save} file ({@code torch.FloatStorage}) and the safetensors dtype
 * ({@code F32}).
 *
 * <p>On load, float16 and bfloat16 values are widened to float32 (exactly: every half / bfloat16 value is a
 * float32 value); the other types keep their width.
 */
public enum TorchDtype {
    /** {@code torch.float32}. */
    FLOAT32("torch.FloatStorage", "F32", 4),
    /** {@code torch.float64}. */
    FLOAT64("torch.DoubleStorage", "F64", 8),
    /** {@code torch.float16}, widened to float32 on load. */
    FLOAT16("torch.HalfStorage", "F16", 2),
    /** {@code torch.bfloat16}, widened to float32 on load. */
    BFLOAT16("torch.BFloat16Storage", "BF16", 2),
    /** {@code torch.int64}. */
    INT64("torch.LongStorage", "I64", 8),
    /** {@code torch.int32}. */
    INT32("torch.IntStorage", "I32", 4),
    /** {@code torch.int16}. */
    INT16("torch.ShortStorage", "I16", 2),
    /** {@code torch.int8}. */
    INT8("torch.CharStorage", "I8", 1),
    /** {@code torch.uint8}. */
    UINT8("torch.ByteStorage", "U8", 1),
    /** {@code torch.bool}, one byte per element (0 or 1). */
    BOOL("torch.BoolStorage", "BOOL", 1);

    private final String storageClass;
    private final String safetensorsName;
    private final int itemSize;

    TorchDtype(String storageClass, String safetensorsName, int itemSize) {
        this.storageClass = storageClass;
        this.safetensorsName = safetensorsName;
        this.itemSize = itemSize;
    }

    /** The storage class {@code torch.save} names in its persistent ids, e.g. {@code torch.FloatStorage}. */
    public String storageClass() {
        return storageClass;
    }

    /** The dtype string of the safetensors header, e.g. {@code F32}. */
    public String safetensorsName() {
        return safetensorsName;
    }

    /** Bytes per stored element. */
    public int itemSize() {
        return itemSize;
    }

    /** Whether the values are floating point (and are held as float32, or float64 for {@link #FLOAT64}). */
    public boolean isFloatingPoint() {
        return this == FLOAT32 || this == FLOAT64 || this == FLOAT16 || this == BFLOAT16;
    }

    /** The type of the array {@link TorchTensor#toNDArray} creates (int16 is widened to int32). */
    public DataType loadedType() {
        return switch (this) {
            case FLOAT32, FLOAT16, BFLOAT16 -> DataType.FLOAT32;
            case FLOAT64 -> DataType.FLOAT64;
            case INT64 -> DataType.INT64;
            case INT32, INT16 -> DataType.INT32;
            case INT8 -> DataType.INT8;
            case UINT8 -> DataType.UINT8;
            case BOOL -> DataType.BOOLEAN;
        };
    }

    /** The dtype of a storage class such as {@code torch.HalfStorage}. */
    public static Optional<TorchDtype> ofStorageClass(String name) {
        for (TorchDtype t : values()) {
            if (t.storageClass.equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** The dtype of a safetensors dtype string such as {@code BF16}. */
    public static Optional<TorchDtype> ofSafetensorsName(String name) {
        for (TorchDtype t : values()) {
            if (t.safetensorsName.equals(name)) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    /** The lower-case torch name, e.g. {@code float32}. */
    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Decodes {@code count} stored elements into the Java array that holds this type's values: {@code float[]}
     * for the float32, float16 and bfloat16 types, {@code double[]}, {@code long[]}, {@code int[]},
     * {@code short[]}, or {@code byte[]} for int8, uint8 and bool.
     *
     * @param bytes the raw elements, {@code count * itemSize()} bytes from the buffer's position
     * @param order the byte order of the stored elements
     * @param count the number of elements
     * @return a new primitive array
     */
    Object decode(ByteBuffer bytes, ByteOrder order, int count) {
        ByteBuffer b = bytes.slice().order(order);
        switch (this) {
            case FLOAT32 -> {
                float[] out = new float[count];
                b.asFloatBuffer().get(out);
                return out;
            }
            case FLOAT64 -> {
                double[] out = new double[count];
                b.asDoubleBuffer().get(out);
                return out;
            }
            case FLOAT16 -> {
                float[] out = new float[count];
                ShortBuffer s = b.asShortBuffer();
                for (int i = 0; i < count; i++) {
                    out[i] = halfToFloat(s.get(i));
                }
                return out;
            }
            case BFLOAT16 -> {
                // bfloat16 is the upper half of a float32.
                float[] out = new float[count];
                ShortBuffer s = b.asShortBuffer();
                for (int i = 0; i < count; i++) {
                    out[i] = Float.intBitsToFloat((s.get(i) & 0xffff) << 16);
                }
                return out;
            }
            case INT64 -> {
                long[] out = new long[count];
                b.asLongBuffer().get(out);
                return out;
            }
            case INT32 -> {
                int[] out = new int[count];
                b.asIntBuffer().get(out);
                return out;
            }
            case INT16 -> {
                short[] out = new short[count];
                b.asShortBuffer().get(out);
                return out;
            }
            default -> {
                byte[] out = new byte[count];
                b.get(out);
                return out;
            }
        }
    }

    /** Wraps an array made by {@link #decode} as the matching buffer type. */
    Buffer wrap(Object array) {
        return switch (this) {
            case FLOAT32, FLOAT16, BFLOAT16 -> FloatBuffer.wrap((float[]) array);
            case FLOAT64 -> DoubleBuffer.wrap((double[]) array);
            case INT64 -> LongBuffer.wrap((long[]) array);
            case INT32 -> IntBuffer.wrap((int[]) array);
            case INT16 -> ShortBuffer.wrap((short[]) array);
            case INT8, UINT8, BOOL -> ByteBuffer.wrap((byte[]) array);
        };
    }

    /** Whether {@code values} is the buffer type that holds this dtype's values. */
    boolean holds(Buffer values) {
        return switch (this) {
            case FLOAT32, FLOAT16, BFLOAT16 -> values instanceof FloatBuffer;
            case FLOAT64 -> values instanceof DoubleBuffer;
            case INT64 -> values instanceof LongBuffer;
            case INT32 -> values instanceof IntBuffer;
            case INT16 -> values instanceof ShortBuffer;
            case INT8, UINT8, BOOL -> values instanceof ByteBuffer;
        };
    }

    /** IEEE 754 binary16 to float32 (exact). Java 17 has no {@code Float.float16ToFloat}. */
    static float halfToFloat(short half) {
        int bits = half & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exponent = (bits >>> 10) & 0x1f;
        int mantissa = bits & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            // zero or subnormal: mantissa * 2^-24
            float v = mantissa * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        // rebias the exponent from 15 to 127
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }
}
