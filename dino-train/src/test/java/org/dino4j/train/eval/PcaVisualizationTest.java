package org.dino4j.train.eval;

import ai.djl.ndarray.NDManager;
import org.dino4j.core.backbone.VisionTransformer;
import org.dino4j.train.augment.FloatImage;
import org.dino4j.train.augment.Normalization;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PcaVisualizationTest {

    private static final Normalization NORM = Normalization.IMAGENET;

    @TempDir
    Path tmp;

    NDManager root;
    VisionTransformer vit;
    List<FloatImage> images;

    @BeforeEach
    void open() {
        root = NDManager.newBaseManager();
        vit = TinyModels.vit(root, 0);
        images = List.of(TinyModels.image(16, 16, 1), TinyModels.image(16, 24, 2));
    }

    @AfterEach
    void close() {
        root.close();
    }

    @Test
    void backgroundIsTheNegativeSideOfTheFirstComponentAndIsBlack() {
        PcaVisualization.Result r = PcaVisualization.compute(vit, images, NORM, PcaVisualization.Options.DEFAULT);

        assertEquals(2, r.maps().size());
        assertEquals(4, r.maps().get(1).gridHeight());
        assertEquals(6, r.maps().get(1).gridWidth());
        assertTrue(r.backgroundRemoved());
        // the foreground is exactly the patches scoring above 0 on the (oriented) first component
        float[] all = patchFeatures();
        double[] first = r.background().project(all, 16 + 24);
        int at = 0;
        int kept = 0;
        for (PcaVisualization.ImageMap m : r.maps()) {
            int n = m.gridHeight() * m.gridWidth();
            assertEquals(3 * n, m.rgb().length);
            for (int j = 0; j < n; j++) {
                assertEquals(first[at + j] > 0, m.foreground()[j], "patch " + (at + j));
                kept += m.foreground()[j] ? 1 : 0;
                for (int c = 0; c < 3; c++) {
                    float v = m.rgb()[c * n + j];
                    assertTrue(v >= 0 && v <= 1, "colour in [0, 1]: " + v);
                    if (!m.foreground()[j]) {
                        assertEquals(0f, v, "background is black");
                    }
                }
            }
            at += n;
        }
        assertTrue(kept >= 3 && kept < 40, "some patches removed, some kept: " + kept);
        assertEquals(3, r.colours().count());
        double[] ratio = r.colours().explainedVarianceRatio();
        assertTrue(ratio[0] >= ratio[1] && ratio[1] >= ratio[2]);
    }

    @Test
    void eachComponentSpansTheFullRangeOverTheForeground() {
        PcaVisualization.Result r = PcaVisualization.compute(vit, images, NORM, PcaVisualization.Options.DEFAULT);

        for (int c = 0; c < 3; c++) {
            float lo = 1;
            float hi = 0;
            for (PcaVisualization.ImageMap m : r.maps()) {
                int n = m.gridHeight() * m.gridWidth();
                for (int j = 0; j < n; j++) {
                    if (m.foreground()[j]) {
                        lo = Math.min(lo, m.rgb()[c * n + j]);
                        hi = Math.max(hi, m.rgb()[c * n + j]);
                    }
                }
            }
            assertEquals(0f, lo, 1e-6, "min-max per component, jointly over the images");
            assertEquals(1f, hi, 1e-6);
        }
    }

    @Test
    void borderPatchesScoreNegativeOnAverage() {
        PcaVisualization.Result r = PcaVisualization.compute(vit, images, NORM, PcaVisualization.Options.DEFAULT);

        double[] first = r.background().project(patchFeatures(), 40);
        double border = 0;
        int at = 0;
        for (PcaVisualization.ImageMap m : r.maps()) {
            for (int y = 0; y < m.gridHeight(); y++) {
                for (int x = 0; x < m.gridWidth(); x++) {
                    if (y == 0 || x == 0 || y == m.gridHeight() - 1 || x == m.gridWidth() - 1) {
                        border += first[at + y * m.gridWidth() + x];
                    }
                }
            }
            at += m.gridHeight() * m.gridWidth();
        }
        assertTrue(border <= 0, "the border is taken as background: " + border);
    }

    @Test
    void withoutBackgroundRemovalEveryPatchIsColoured() {
        PcaVisualization.Result r = PcaVisualization.compute(vit, images, NORM,
                new PcaVisualization.Options(false, 0, 1));

        assertFalse(r.backgroundRemoved());
        assertNull(r.background());
        for (PcaVisualization.ImageMap m : r.maps()) {
            for (boolean f : m.foreground()) {
                assertTrue(f);
            }
        }
    }

    @Test
    void aThresholdThatWouldRemoveAlmostEverythingKeepsEverything() {
        PcaVisualization.Result r = PcaVisualization.compute(vit, images, NORM,
                new PcaVisualization.Options(true, 1e9, 1));

        assertFalse(r.backgroundRemoved());
        PcaVisualization.Result all = PcaVisualization.compute(vit, images, NORM,
                new PcaVisualization.Options(false, 0, 1));
        assertArrayEquals(all.maps().get(0).rgb(), r.maps().get(0).rgb());
    }

    @Test
    void writesOneFigureWithTheImagesAboveTheirMaps() throws IOException {
        Path file = PcaVisualization.write(vit, images, NORM, tmp, "pca");

        assertEquals(tmp.resolve("pca.png"), file);
        BufferedImage grid = ImageIO.read(file.toFile());
        // 16x16 -> x14 = 224x224, 16x24 -> x14 = 224x336; two rows (images, maps)
        assertEquals(224 + 336 + 3 * Renderings.GAP, grid.getWidth());
        assertEquals(2 * 224 + 3 * Renderings.GAP, grid.getHeight());
    }

    private float[] patchFeatures() {
        List<float[]> rows = new ArrayList<>();
        int total = 0;
        for (FloatImage img : images) {
            try (NDManager scope = root.newSubManager()) {
                float[] f = vit.forward(ImageFiles.tensor(List.of(img), NORM, scope)).patchTokens().toFloatArray();
                rows.add(f);
                total += f.length;
            }
        }
        float[] all = new float[total];
        int at = 0;
        for (float[] f : rows) {
            System.arraycopy(f, 0, all, at, f.length);
            at += f.length;
        }
        return all;
    }
}
