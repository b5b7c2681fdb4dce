package org.dino4j.core.masking;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

class BatchMasksTest {

    @Test
    void indicesAndWeightsAreRowMajorOverImages() {
        boolean[][] m = {{false, true, true, false}, {false, false, false, false}, {true, true, true, false}};
        BatchMasks masks = new BatchMasks(2, 2, m);
        assertEquals(3, masks.numImages());
        assertEquals(5, masks.numMasked());
        assertEquals(2, masks.numMaskedImages());
        assertArrayEquals(new int[] {1, 2, 8, 9, 10}, masks.maskIndices());
        assertArrayEquals(new float[] {0.5f, 0.5f, 1 / 3f, 1 / 3f, 1 / 3f}, masks.masksWeight(), 0f);
        assertArrayEquals(new int[] {0, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 0}, masks.toIntArray());
        m[0][0] = true;
        assertFalse(masks.isMasked(0, 0), "the masks are copied");
    }

    @Test
    void wrongSizesAreNamed() {
        assertEquals("mask 1 has 3 entries, expected H*W = 4 for a 2x2 grid",
                assertThrows(IllegalArgumentException.class,
                        () -> new BatchMasks(2, 2, new boolean[][] {new boolean[4], new boolean[3]})).getMessage());
    }
}
