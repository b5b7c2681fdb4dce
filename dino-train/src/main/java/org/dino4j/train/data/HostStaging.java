package org.dino4j.train.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Moves batches from Java arrays into engine arrays through direct buffers that are reused from batch to batch.
 *
 * <p>Why: DJL's {@code manager.create(float[], shape)} copies the values into a new direct buffer which the engine
 * array then wraps on the CPU; the buffer's native memory is released only when the garbage collector finds the
 * buffer, which on a busy trainer is long after the step. Every batch therefore left its size in native memory
 * waiting for a collection, and the process's resident memory grew with the collection interval. Here each slot
 * (one per crop of the batch) keeps one direct buffer; the engine array made from it is cloned into memory the
 * engine owns (freed with the step's scope) and the wrapper is closed at once, so the buffer can take the next
 * batch.
 *
 * <p>Not thread-safe: one instance per consumer thread.
 */
public final class HostStaging {

    private final List<ByteBuffer> slots = new ArrayList<>();

    /**
     * Copies {@code data} into a float32 engine array owned by {@code scope}.
     *
     * @param scope the manager that owns the result (its device receives it)
     * @param slot the buffer to use; use one slot per array that is alive at the same time
     * @param data the values, row-major
     * @param shape their shape
     * @return the engine array
     */
    public NDArray upload(NDManager scope, int slot, float[] data, Shape shape) {
        if (shape.size() != data.length) {
            throw new IllegalArgumentException("shape " + shape + " holds " + shape.size() + " values, got "
                    + data.length);
        }
        ByteBuffer b = buffer(slot, 4L * data.length);
        b.asFloatBuffer().put(data);
        NDArray wrapped = scope.create(b, shape, DataType.FLOAT32);
        if (wrapped.getDevice().isGpu()) {
            return wrapped; // copied to the device already; the buffer is free again
        }
        NDArray owned = wrapped.duplicate();
        wrapped.close();
        return owned;
    }

    private ByteBuffer buffer(int slot, long bytes) {
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("a batch array of " + bytes + " bytes is larger than a direct buffer"
                    + " can be (2 GiB); lower the batch size");
        }
        while (slots.size() <= slot) {
            slots.add(null);
        }
        ByteBuffer b = slots.get(slot);
        if (b == null || b.capacity() < bytes) {
            b = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
            slots.set(slot, b);
        }
        b.clear();
        b.limit((int) bytes);
        return b;
    }
}
