package org.dino4j.core.io;

import java.io.UncheckedIOException;
import java.io.IOException;
import java.lang.reflect.Array;
import java.util.Arrays;

/** Gathers the elements of a strided view of a storage into a new contiguous (C-order) array. */
final class TensorViews {

    /** The largest element count of one tensor (a Java array). */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private TensorViews() {}

    /**
     * Copies the view {@code storage[offset + sum_j i_j * stride_j]} over all indices of {@code size}.
     *
     * @param storage the storage's primitive array ({@code float[]}, {@code long[]}, ...)
     * @param ref the storage (for messages)
     * @param offset the storage offset in elements
     * @param size the view's shape
     * @param stride the view's strides in elements
     * @return a new array of the same component type with the view's elements in C order
     * @throws UncheckedIOException wrapping an IOException that says what is out of range
     */
    static Object gather(Object storage, TorchUnpickler.StorageRef ref, long offset, long[] size, long[] stride) {
        if (size.length != stride.length) {
            throw fail("tensor size " + Arrays.toString(size) + " and stride " + Arrays.toString(stride)
                    + " differ in length");
        }
        long numel = 1;
        long last = offset;
        for (int d = 0; d < size.length; d++) {
            if (size[d] < 0 || stride[d] < 0) {
                throw fail("tensor size " + Arrays.toString(size) + " / stride " + Arrays.toString(stride)
                        + " has a negative entry");
            }
            numel = Math.multiplyExact(numel, size[d]);
        }
        if (numel > MAX_ELEMENTS) {
            throw fail("tensor of shape " + Arrays.toString(size) + " has " + numel
                    + " elements, more than one Java array can hold");
        }
        int length = Array.getLength(storage);
        if (numel > 0) {
            for (int d = 0; d < size.length; d++) {
                last = Math.addExact(last, Math.multiplyExact(size[d] - 1, stride[d]));
            }
            if (offset < 0 || last >= length) {
                throw fail("tensor view (offset " + offset + ", size " + Arrays.toString(size) + ", stride "
                        + Arrays.toString(stride) + ") reaches element " + last + " of storage " + ref.key()
                        + ", which has " + length + " elements");
            }
        }
        Object out = Array.newInstance(storage.getClass().getComponentType(), (int) numel);
        if (numel == 0) {
            return out;
        }
        if (isContiguous(size, stride)) {
            System.arraycopy(storage, (int) offset, out, 0, (int) numel);
            return out;
        }
        // Walk the index odometer over all but the last axis; copy runs along the last axis.
        int dims = size.length;
        long inner = size[dims - 1];
        long innerStride = stride[dims - 1];
        long[] index = new long[Math.max(dims - 1, 0)];
        int written = 0;
        while (written < numel) {
            long base = offset;
            for (int d = 0; d < dims - 1; d++) {
                base += index[d] * stride[d];
            }
            if (innerStride == 1) {
                System.arraycopy(storage, (int) base, out, written, (int) inner);
                written += (int) inner;
            } else {
                for (long i = 0; i < inner; i++) {
                    System.arraycopy(storage, (int) (base + i * innerStride), out, written++, 1);
                }
            }
            for (int d = dims - 2; d >= 0; d--) {
                if (++index[d] < size[d]) {
                    break;
                }
                index[d] = 0;
            }
        }
        return out;
    }

    /** C-contiguous: stride[d] = prod(size[d+1:]) (axes of extent 1 may have any stride). */
    static boolean isContiguous(long[] size, long[] stride) {
        long expected = 1;
        for (int d = size.length - 1; d >= 0; d--) {
            if (size[d] != 1 && stride[d] != expected) {
                return false;
            }
            expected *= size[d];
        }
        return true;
    }

    private static UncheckedIOException fail(String message) {
        return new UncheckedIOException(new IOException(message));
    }
}
