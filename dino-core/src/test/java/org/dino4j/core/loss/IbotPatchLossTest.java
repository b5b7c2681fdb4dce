package org.dino4j.core.loss;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.dino4j.core.masking.BatchMasks;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class IbotPatchLossTest {

    private static final boolean[][] MASKS = {
        {true, false, true, false, false, true},
        {false, false, false, false, false, false},
        {false, true, false, false, false, false},
    };

    @Test
    void maskedAndDenseForwardsAgreeAndGradientsReachTheStudent() {
        BatchMasks host = new BatchMasks(2, 3, MASKS);
        try (NDManager step = NDManager.newBaseManager();
             GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray masks = step.create(host.toIntArray(), new Shape(3, 6));
            NDArray student = step.randomNormal(new Shape(3, 6, 5));
            NDArray teacher = step.randomNormal(new Shape(3, 6, 5)).softmax(-1);
            student.setRequiresGradient(true);
            IbotPatchLoss loss = new IbotPatchLoss();
            NDArray indices = IbotPatchLoss.maskIndices(masks);
            assertArrayEquals(new long[] {0, 2, 5, 13}, indices.toLongArray());
            NDArray masked = loss.forwardMasked(IbotPatchLoss.selectMasked(student, indices),
                    IbotPatchLoss.selectMasked(teacher, indices), masks);
            NDArray dense = loss.forward(student, teacher, masks);
            assertEquals(new Shape(), masked.getShape());
            assertFalse(Float.isNaN(masked.getFloat()));
            assertEquals(dense.getFloat(), masked.getFloat(), 1e-5f);
            gc.backward(masked);
            // |gradient| summed over K (the signed sum is 0: softmax gradients sum to zero over the prototypes)
            float[] grad = student.getGradient().abs().sum(new int[] {2}).toFloatArray();
            float[] flatMask = masks.toType(DataType.FLOAT32, false).toFloatArray();
            for (int i = 0; i < grad.length; i++) {
                assertEquals(flatMask[i] > 0, grad[i] > 0, "gradient only at masked patches, patch " + i);
            }
        }
    }

    @Test
    void weightsGiveEveryMaskedImageTheSameTotalAndCountEveryImage() {
        try (NDManager step = NDManager.newBaseManager()) {
            NDArray masks = step.create(new BatchMasks(2, 3, MASKS).toIntArray(), new Shape(3, 6))
                    .toType(DataType.BOOLEAN, false);
            assertArrayEquals(new float[] {1 / 3f, 1 / 3f, 1 / 3f, 1f},
                    IbotPatchLoss.masksWeight(masks).toFloatArray(), 0f);
            // Uniform student and one-hot targets: every masked patch has cross-entropy ln K.
            NDArray student = step.zeros(new Shape(4, 5));
            NDArray teacher = step.zeros(new Shape(4), DataType.INT64).oneHot(5);
            float value = new IbotPatchLoss().forwardMasked(student, teacher, masks).getFloat();
            assertEquals(2 * Math.log(5) / 3, value, 1e-6);
        }
    }

    @Test
    void hostAndDeviceHelpersAgree() {
        BatchMasks host = new BatchMasks(2, 3, MASKS);
        try (NDManager step = NDManager.newBaseManager()) {
            NDArray masks = step.create(host.toIntArray(), new Shape(3, 6));
            assertArrayEquals(java.util.Arrays.stream(host.maskIndices()).asLongStream().toArray(),
                    IbotPatchLoss.maskIndices(masks).toLongArray());
            assertArrayEquals(host.masksWeight(), IbotPatchLoss.masksWeight(masks).toFloatArray(), 0f);
        }
    }

    @Test
    void noMaskedPatchGivesZeroNotNaN() {
        try (NDManager step = NDManager.newBaseManager()) {
            NDArray masks = step.zeros(new Shape(2, 4), DataType.INT32);
            IbotPatchLoss loss = new IbotPatchLoss();
            NDArray dense = loss.forward(step.ones(new Shape(2, 4, 3)), step.ones(new Shape(2, 4, 3)).div(3), masks);
            assertEquals(0f, dense.getFloat());
            NDArray masked = loss.forwardMasked(step.zeros(new Shape(0, 3)), step.zeros(new Shape(0, 3)), masks);
            assertEquals(0f, masked.getFloat());
            assertTrue(IbotPatchLoss.maskIndices(masks).getShape().equals(new Shape(0)));
        }
    }

    @Test
    void badInputIsNamed() {
        try (NDManager step = NDManager.newBaseManager()) {
            IbotPatchLoss loss = new IbotPatchLoss();
            NDArray masks = step.create(new BatchMasks(2, 3, MASKS).toIntArray(), new Shape(3, 6));
            assertEquals("the masks mark 4 patches, so expected [4, K] student masked logits, got (5, 8)",
                    assertThrows(IllegalArgumentException.class, () -> loss.forwardMasked(
                            step.ones(new Shape(5, 8)), step.ones(new Shape(5, 8)), masks)).getMessage());
            assertEquals("expected student masked logits and teacher masked targets of the same shape [M, K], got "
                            + "(4, 8) and (4, 7)",
                    assertThrows(IllegalArgumentException.class, () -> loss.forwardMasked(
                            step.ones(new Shape(4, 8)), step.ones(new Shape(4, 7)), masks)).getMessage());
            assertEquals("expected masks weight [M] = [4] (one per masked patch), got (3)",
                    assertThrows(IllegalArgumentException.class, () -> loss.forwardMasked(
                            step.ones(new Shape(4, 8)), step.ones(new Shape(4, 8)), masks,
                            step.ones(new Shape(3)))).getMessage());
            assertEquals("expected student logits and teacher targets [B, N, K] matching the masks (3, 6), got "
                            + "(3, 5, 8) and (3, 5, 8)",
                    assertThrows(IllegalArgumentException.class, () -> loss.forward(
                            step.ones(new Shape(3, 5, 8)), step.ones(new Shape(3, 5, 8)), masks)).getMessage());
            assertEquals("expected masks [B, N] with B >= 1 images, got shape (18)",
                    assertThrows(IllegalArgumentException.class,
                            () -> IbotPatchLoss.maskIndices(masks.flatten())).getMessage());
            assertEquals("expected patch tokens [B, N, ...] and mask indices [M], got (18) and (4)",
                    assertThrows(IllegalArgumentException.class, () -> IbotPatchLoss.selectMasked(
                            masks.flatten(), IbotPatchLoss.maskIndices(masks))).getMessage());
            assertEquals("student temperature must be a positive number (official 0.1), got 0.0",
                    assertThrows(IllegalArgumentException.class, () -> new IbotPatchLoss(0)).getMessage());
        }
    }
}
