package org.dino4j.train.report;

import org.dino4j.train.data.IdxDataset;
import org.dino4j.train.data.SubsetDataset;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The embedded quick-start dataset: readable, balanced, the documented subset, with its licence notice. */
class QuickstartDatasetTest {

    static final Path EMBEDDED = Path.of("..", "data", "fashion-mnist-subset");

    @Test
    void bothSplitsAreBalancedWithTheDocumentedCounts() throws IOException {
        IdxDataset train = IdxDataset.fashionMnist(EMBEDDED, IdxDataset.Split.TRAIN);
        IdxDataset test = IdxDataset.fashionMnist(EMBEDDED, IdxDataset.Split.TEST);

        assertEquals(10_000, train.size());
        assertEquals(2_000, test.size());
        assertEquals(IdxDataset.FASHION_MNIST_CLASSES, train.classNames());
        assertEquals(28, train.height());
        assertEquals(28, train.width());
        assertArrayEquals(filled(1_000), perClass(train));
        assertArrayEquals(filled(200), perClass(test));
        float[] px = train.image(0).data();
        assertEquals(3 * 28 * 28, px.length);
        assertTrue(max(px) > 0.5f, "a real image, not zeros");
    }

    @Test
    void committedFilesAreSmallAndCarryTheLicence() throws IOException {
        long bytes = 0;
        for (String name : new String[] {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
            bytes += Files.size(EMBEDDED.resolve(name));
        }
        assertTrue(bytes < 6_000_000, "a few MB in the repository, got " + bytes);
        String notice = Files.readString(EMBEDDED.resolve("NOTICE"));
        assertTrue(notice.contains("Copyright © [2017] Zalando SE"), notice);
        assertTrue(notice.contains("Permission is hereby granted, free of charge"), notice);
    }

    /** The generator reproduces the committed files from the full dataset: first images per class, in order. */
    @Test
    void generatorReproducesTheCommittedSubset(@TempDir Path tmp) throws IOException {
        Assumptions.assumeTrue(Files.isDirectory(IdxDataset.DEBIAN_FASHION_MNIST),
                "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");

        FashionMnistSubset.write(IdxDataset.DEBIAN_FASHION_MNIST, tmp, 1_000, 200);

        for (String name : new String[] {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
            assertArrayEquals(gunzip(EMBEDDED.resolve(name)), gunzip(tmp.resolve(name)), name);
        }
        SubsetDataset expected = SubsetDataset.firstPerClass(IdxDataset.fashionMnist(IdxDataset.Split.TEST), 200);
        IdxDataset embedded = IdxDataset.fashionMnist(EMBEDDED, IdxDataset.Split.TEST);
        for (int i : new int[] {0, 1, 999, 1999}) {
            assertEquals(expected.label(i), embedded.label(i), "label " + i);
            assertEquals(expected.image(i), embedded.image(i), "image " + i);
        }
    }

    private static int[] perClass(IdxDataset d) {
        int[] counts = new int[d.classNames().size()];
        for (int i = 0; i < d.size(); i++) {
            counts[d.label(i)]++;
        }
        return counts;
    }

    private static int[] filled(int v) {
        int[] a = new int[10];
        java.util.Arrays.fill(a, v);
        return a;
    }

    private static float max(float[] a) {
        float m = Float.NEGATIVE_INFINITY;
        for (float v : a) {
            m = Math.max(m, v);
        }
        return m;
    }

    private static byte[] gunzip(Path file) throws IOException {
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            return in.readAllBytes();
        }
    }
}
