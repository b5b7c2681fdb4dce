package org.dino4j.train.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import org.dino4j.core.backbone.Backbone;
import org.dino4j.core.backbone.BackboneOutput;
import org.dino4j.core.backbone.VisionTransformer;
import org.dino4j.core.nn.DinoBlock;
import org.dino4j.train.augment.FloatImage;
import org.dino4j.train.augment.Normalization;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AttentionMapsTest {

    private static final Normalization NORM = Normalization.IMAGENET;

    @TempDir
    Path tmp;

    NDManager root;

    @BeforeEach
    void open() {
        root = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        root.close();
    }

    @Test
    void oneMapPerHeadOverThePatchGridOfANonSquareImage() {
        VisionTransformer vit = TinyModels.vit(root, 0);
        FloatImage image = TinyModels.image(16, 24, 1);

        AttentionMaps.Maps maps = AttentionMaps.compute(vit, image, NORM);

        assertEquals(2, maps.heads());
        assertEquals(4, maps.gridHeight());
        assertEquals(6, maps.gridWidth());
        assertEquals(4, maps.patchSize());
        assertEquals(2 * 4 * 6, maps.values().length);
        for (int h = 0; h < 2; h++) {
            double sum = 0;
            for (float v : maps.head(h)) {
                assertTrue(v > 0 && v < 1, "a softmax probability: " + v);
                sum += v;
            }
            assertTrue(sum < 1, "the CLS key takes the rest: " + sum);
        }
        assertEquals(4 * 4 * 6 * 4, maps.upsample(maps.mean()).length);
    }

    @Test
    void mapsAreRowZeroOfTheLastAttentionOverThePatchKeys() {
        VisionTransformer vit = TinyModels.vit(root, 0, 2);
        FloatImage image = TinyModels.image(16, 16, 2);

        AttentionMaps.Maps maps = AttentionMaps.compute(vit, image, NORM);

        try (NDManager scope = root.newSubManager()) {
            BackboneOutput out = vit.forwardWithAttention(ImageFiles.tensor(List.of(image), NORM, scope));
            // tokens: CLS, 2 registers, 16 patches; the registers are skipped like the CLS key
            float[] expected = out.lastSelfAttention().get(new NDIndex("0, :, 0, 3:")).toFloatArray();
            assertArrayEquals(expected, maps.values());
        }
        float[] mean = maps.mean();
        for (int i = 0; i < mean.length; i++) {
            assertEquals((maps.head(0)[i] + maps.head(1)[i]) / 2, mean[i], 1e-7);
        }
    }

    @Test
    void sidesThatAreNotMultiplesOfThePatchAreCroppedAsTheOfficialScriptDoes() {
        VisionTransformer vit = TinyModels.vit(root, 0);
        FloatImage image = TinyModels.image(18, 23, 3);

        AttentionMaps.Maps cropped = AttentionMaps.compute(vit, image, NORM);
        AttentionMaps.Maps direct = AttentionMaps.compute(vit, ImageFiles.cropToPatches(image, 4), NORM);

        assertEquals(4, cropped.gridHeight());
        assertEquals(5, cropped.gridWidth());
        assertArrayEquals(direct.values(), cropped.values());
    }

    @Test
    void thresholdKeepsTheMostAttendedCellsHoldingTheGivenMass() {
        float[] map = {0.05f, 0.4f, 0.1f, 0.25f, 0.2f};

        // ascending: 0.05 0.1 0.2 0.25 0.4, cumulative share 0.05 0.15 0.35 0.6 1.0; kept where > 0.4
        assertArrayEquals(new boolean[] {false, true, false, true, false}, AttentionMaps.keepMass(map, 0.6));
        assertArrayEquals(new boolean[] {false, true, false, false, false}, AttentionMaps.keepMass(map, 0.4));
        assertArrayEquals(new boolean[] {true, true, true, true, true}, AttentionMaps.keepMass(map, 1.0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AttentionMaps.keepMass(map, 0));
        assertEquals("the kept share of attention mass must be in (0, 1], got 0.0", e.getMessage());
    }

    @Test
    void thresholdedMassIsAtLeastTheShareAsked() {
        SplittableRandom rng = new SplittableRandom(7);
        float[] map = new float[64];
        double total = 0;
        for (int i = 0; i < map.length; i++) {
            map[i] = (float) rng.nextDouble();
            total += map[i];
        }
        boolean[] keep = AttentionMaps.keepMass(map, 0.6);
        double kept = 0;
        float smallestKept = Float.MAX_VALUE;
        float largestDropped = 0;
        for (int i = 0; i < map.length; i++) {
            if (keep[i]) {
                kept += map[i];
                smallestKept = Math.min(smallestKept, map[i]);
            } else {
                largestDropped = Math.max(largestDropped, map[i]);
            }
        }
        assertTrue(kept / total >= 0.6, "kept share " + kept / total);
        assertTrue((kept - smallestKept) / total < 0.6, "no cell kept beyond what the share needs");
        assertTrue(largestDropped <= smallestKept, "the kept cells are the largest");
    }

    @Test
    void writesTheGridTheMeanAndEveryHeadAsReadablePngs() throws IOException {
        VisionTransformer vit = TinyModels.vit(root, 0);
        float[] grey = new float[3 * 16 * 16];
        java.util.Arrays.fill(grey, 0.5f);
        FloatImage image = new FloatImage(3, 16, 16, grey);

        List<Path> files = AttentionMaps.write(vit, image, NORM, tmp.resolve("out"), "img");

        assertEquals(List.of(tmp.resolve("out/img.png"), tmp.resolve("out/img-mean.png"),
                tmp.resolve("out/img-head0.png"), tmp.resolve("out/img-head1.png")), files);
        // 16-pixel images are enlarged 14 times to reach the 224-pixel display size
        BufferedImage head = ImageIO.read(files.get(2).toFile());
        assertEquals(224, head.getWidth());
        assertEquals(224, head.getHeight());
        BufferedImage grid = ImageIO.read(files.get(0).toFile());
        assertEquals(4 * 224 + 5 * Renderings.GAP, grid.getWidth(), "image, mean and two heads in a row");
        assertEquals(224 + 2 * Renderings.GAP, grid.getHeight());
        // on a uniform image each 4-pixel patch, enlarged 14 times, is one colour: nearest upsampling
        assertEquals(head.getRGB(0, 0), head.getRGB(55, 55));
        assertEquals(head.getRGB(56, 0), head.getRGB(111, 55));
    }

    @Test
    void withTheOfficialThresholdMasksAreWrittenToo() throws IOException {
        VisionTransformer vit = TinyModels.vit(root, 0);
        FloatImage image = TinyModels.image(16, 16, 5);

        List<Path> files = AttentionMaps.write(vit, image, NORM, tmp, "img",
                AttentionMaps.Options.DEFAULT.withKeepMass(AttentionMaps.OFFICIAL_KEEP_MASS));

        assertEquals(List.of(tmp.resolve("img.png"), tmp.resolve("img-mean.png"), tmp.resolve("img-head0.png"),
                tmp.resolve("img-head1.png"), tmp.resolve("img-mean-mask.png"), tmp.resolve("img-head0-mask.png"),
                tmp.resolve("img-head1-mask.png")), files);
        for (Path f : files) {
            assertNotNull(ImageIO.read(f.toFile()), f + " is a PNG");
        }
        BufferedImage grid = ImageIO.read(files.get(0).toFile());
        assertEquals(2 * 224 + 3 * Renderings.GAP, grid.getHeight(), "overlays, then masks");
    }

    @Test
    void aBackboneWithoutAttentionIsRefused() {
        Backbone cnn = new Backbone() {
            @Override
            public long embedDim() {
                return 8;
            }

            @Override
            public BackboneOutput forward(NDArray images, boolean training, SplittableRandom rng) {
                throw new UnsupportedOperationException();
            }

            @Override
            public BackboneOutput forwardWithAttention(NDArray images) {
                throw new UnsupportedOperationException();
            }

            @Override
            public DinoBlock block() {
                throw new UnsupportedOperationException();
            }
        };

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AttentionMaps.compute(cnn, TinyModels.image(16, 16, 0), NORM));

        assertTrue(e.getMessage().startsWith("attention maps need a Vision Transformer backbone (patch tokens and"
                + " self-attention); this one is a "), e.getMessage());
        assertFalse(tmp.resolve("img.png").toFile().exists());
    }

    @Test
    void optionsAreChecked() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new AttentionMaps.Options(1.5, 0.5f, 1));
        assertEquals("keepMass must be in (0, 1] (the official figures use 0.6), or 0 for no threshold; got 1.5",
                e.getMessage());
    }
}
