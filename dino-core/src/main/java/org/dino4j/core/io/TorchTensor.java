package org.dino4j.core.io;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * A tensor read from a checkpoint file, on the JVM heap: its stored dtype, its shape and its values in C order
 * (views of a storage are already gathered, so the values are contiguous).
 *
 * <p>The buffer type follows the dtype: {@link FloatBuffer} for float32, float16 and bfloat16 (widened on load),
 * {@link DoubleBuffer} for float64, {@link LongBuffer} for int64, {@link IntBuffer} for int32, {@link ShortBuffer}
 * for int16 and {@link ByteBuffer} for int8, uint8 and bool. The buffer is shared, not copied: treat it as
 * read-only.
 *
 * @param dtype the stored element type
 * @param shape the shape ({@code []} for a 0-d tensor; a zero extent for an empty one)
 * @param requiresGrad the {@code requires_grad} flag stored with the tensor ({@code nn.Parameter}s)
 * @param values the values, C order, {@code numel} elements from position 0
 */
public record TorchTensor(TorchDtype dtype, long[] shape, boolean requiresGrad, Buffer values) {

    /** Checks that the buffer type and length match the dtype and shape. */
    public TorchTensor {
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(shape, "shape");
        Objects.requireNonNull(values, "values");
        shape = shape.clone();
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative extent in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        if (!dtype.holds(values)) {
            throw new IllegalArgumentException(dtype + " values must be held in the matching buffer type, got "
                    + values.getClass().getSimpleName());
        }
        if (values.capacity() != n) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has " + n
                    + " elements but the buffer holds " + values.capacity());
        }
    }

    /** A float32 tensor of the given values (not copied). */
    public static TorchTensor ofFloats(float[] values, long... shape) {
        return new TorchTensor(TorchDtype.FLOAT32, shape, false, FloatBuffer.wrap(values));
    }

    /** The shape (a copy). */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** The shape as a DJL {@link Shape}. */
    public Shape djlShape() {
        return new Shape(shape);
    }

    /** The number of elements. */
    public long numel() {
        return values.capacity();
    }

    /**
     * The values as float32: exact for the float32, float16 and bfloat16 types and for integers up to 2^24 in
     * magnitude; float64 values are rounded.
     *
     * @return a new array
     */
    public float[] floats() {
        int n = values.capacity();
        float[] out = new float[n];
        switch (dtype) {
            case FLOAT32, FLOAT16, BFLOAT16 -> ((FloatBuffer) values).duplicate().position(0).get(out);
            default -> {
                double[] d = doubles();
                for (int i = 0; i < n; i++) {
                    out[i] = (float) d[i];
                }
            }
        }
        return out;
    }

    /**
     * The values as doubles (exact except for int64 values beyond 2^53; uint8 as 0..255, bool as 0/1).
     *
     * @return a new array
     */
    public double[] doubles() {
        int n = values.capacity();
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = switch (dtype) {
                case FLOAT32, FLOAT16, BFLOAT16 -> ((FloatBuffer) values).get(i);
                case FLOAT64 -> ((DoubleBuffer) values).get(i);
                case INT64 -> ((LongBuffer) values).get(i);
                case INT32 -> ((IntBuffer) values).get(i);
                case INT16 -> ((ShortBuffer) values).get(i);
                case INT8 -> ((ByteBuffer) values).get(i);
                case UINT8, BOOL -> ((ByteBuffer) values).get(i) & 0xff;
            };
        }
        return out;
    }

    /**
     * The values of an integer or bool tensor as longs.
     *
     * @return a new array
     * @throws IllegalStateException for a floating-point tensor
     */
    public long[] longs() {
        if (dtype.isFloatingPoint()) {
            throw new IllegalStateException("a " + dtype + " tensor has no integer values; use floats() or doubles()");
        }
        double[] d = dtype == TorchDtype.INT64 ? null : doubles();
        long[] out = new long[values.capacity()];
        for (int i = 0; i < out.length; i++) {
            out[i] = d == null ? ((LongBuffer) values).get(i) : (long) d[i];
        }
        return out;
    }

    /**
     * The value of a one-element tensor (0-d or any shape with one element), as a double.
     *
     * @throws IllegalStateException if the tensor does not have exactly one element
     */
    public double item() {
        if (values.capacity() != 1) {
            throw new IllegalStateException("item() needs a tensor with one element, got shape "
                    + Arrays.toString(shape));
        }
        return doubles()[0];
    }

    /**
     * Creates this tensor as an NDArray of {@link TorchDtype#loadedType()} (float16 and bfloat16 arrive as
     * float32, int16 as int32).
     *
     * @param manager the manager (and device) of the new array
     * @return a new array with this tensor's shape and values
     */
    public NDArray toNDArray(NDManager manager) {
        Shape s = djlShape();
        return switch (dtype) {
            case FLOAT32, FLOAT16, BFLOAT16 -> manager.create(floats(), s);
            case FLOAT64 -> manager.create(doubles(), s);
            case INT64 -> manager.create(longs(), s);
            case INT32 -> manager.create(Buffers.ints(values), s);
            case INT16 -> {
                long[] l = longs();
                int[] i = new int[l.length];
                for (int k = 0; k < l.length; k++) {
                    i[k] = (int) l[k];
                }
                yield manager.create(i, s);
            }
            case INT8 -> manager.create(ByteBuffer.wrap(Buffers.bytes(values)), s, DataType.INT8);
            case UINT8 -> manager.create(ByteBuffer.wrap(Buffers.bytes(values)), s, DataType.UINT8);
            case BOOL -> manager.create(ByteBuffer.wrap(Buffers.bytes(values)), s, DataType.BOOLEAN);
        };
    }

    /** Equal dtype, shape, flag and values. */
    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof TorchTensor t)) {
            return false;
        }
        return dtype == t.dtype && requiresGrad == t.requiresGrad && Arrays.equals(shape, t.shape)
                && values.duplicate().position(0).equals(t.values.duplicate().position(0));
    }

    /** {@inheritDoc} */
    @Override
    public int hashCode() {
        return Objects.hash(dtype, Arrays.hashCode(shape), requiresGrad, values.duplicate().position(0));
    }

    /** The dtype and shape, without the values. */
    @Override
    public String toString() {
        return "TorchTensor[" + dtype + " " + Arrays.toString(shape) + (requiresGrad ? ", requires_grad" : "") + "]";
    }

    /** Copies of buffer contents (the buffers may be shared views). */
    static final class Buffers {
        private Buffers() {}

        static int[] ints(Buffer b) {
            int[] out = new int[b.capacity()];
            ((IntBuffer) b).duplicate().position(0).get(out);
            return out;
        }

        static byte[] bytes(Buffer b) {
            byte[] out = new byte[b.capacity()];
            ((ByteBuffer) b).duplicate().position(0).get(out);
            return out;
        }
    }
}
