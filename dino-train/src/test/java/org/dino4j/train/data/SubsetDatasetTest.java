package org.dino4j.train.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.dino4j.train.augment.FloatImage;
import org.junit.jupiter.api.Test;

class SubsetDatasetTest {

    @Test
    void firstPerClassKeepsDatasetOrder() {
        InMemoryDataset base = new InMemoryDataset(20, 4, 3);
        SubsetDataset s = SubsetDataset.firstPerClass(base, 2);
        assertEquals(6, s.size());
        int[] expected = {0, 1, 2, 3, 4, 5};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], s.baseIndex(i));
            assertEquals(base.label(expected[i]), s.label(i));
        }
        assertSame(base.image(4), s.image(4));
        assertEquals(base.classNames(), s.classNames());
    }

    @Test
    void smallClassesGiveWhatTheyHave() {
        InMemoryDataset base = new InMemoryDataset(5, 4, 3); // labels 0 1 2 0 1: class 2 has one sample
        SubsetDataset s = SubsetDataset.firstPerClass(base, 2);
        assertEquals(5, s.size());
    }

    @Test
    void firstAndOf() {
        InMemoryDataset base = new InMemoryDataset(10, 4, 3);
        assertEquals(4, SubsetDataset.first(base, 4).size());
        SubsetDataset picked = SubsetDataset.of(base, new int[] {7, 2});
        assertEquals(7, picked.baseIndex(0));
        assertEquals(2, picked.label(1));
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
                () -> SubsetDataset.of(base, new int[] {10}));
        assertEquals("subset index 10 is outside the base dataset's [0, 10)", e.getMessage());
    }

    @Test
    void unlabelledDatasetIsRejected() {
        ImageDataset unlabelled = new ImageDataset() {
            @Override
            public int size() {
                return 3;
            }

            @Override
            public FloatImage image(int i) {
                return null;
            }

            @Override
            public int label(int i) {
                return -1;
            }

            @Override
            public List<String> classNames() {
                return List.of();
            }
        };
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SubsetDataset.firstPerClass(unlabelled, 2));
        assertEquals("firstPerClass needs a labelled dataset, but this one has no classes", e.getMessage());
    }
}
