package org.dino4j.train.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.dino4j.train.augment.FloatImage;
import org.dino4j.train.augment.Normalization;
import org.dino4j.train.data.UnreadableImageException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ImageFilesTest {

    @TempDir
    Path tmp;

    @Test
    void rgbPngIsReadAsPlanarFloats() throws IOException {
        BufferedImage img = new BufferedImage(3, 2, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, 0xFF0000);
        img.setRGB(2, 1, 0x00FF80);
        Path file = tmp.resolve("a.png");
        ImageIO.write(img, "png", file.toFile());

        FloatImage f = ImageFiles.read(file);

        assertEquals(3, f.channels());
        assertEquals(2, f.height());
        assertEquals(3, f.width());
        assertEquals(1f, f.get(0, 0, 0));
        assertEquals(0f, f.get(1, 0, 0));
        assertEquals(1f, f.get(1, 1, 2));
        assertEquals(128 / 255f, f.get(2, 1, 2));
    }

    @Test
    void greyIsExpandedToThreeEqualChannelsWithoutGammaChange() throws IOException {
        BufferedImage img = new BufferedImage(2, 2, BufferedImage.TYPE_BYTE_GRAY);
        img.getRaster().setSample(1, 0, 0, 100);
        Path file = tmp.resolve("g.png");
        ImageIO.write(img, "png", file.toFile());

        FloatImage f = ImageFiles.read(file);

        for (int c = 0; c < 3; c++) {
            assertEquals(100 / 255f, f.get(c, 0, 1), "channel " + c);
        }
    }

    @Test
    void unreadableFilesAreReportedByName() throws IOException {
        Path text = Files.writeString(tmp.resolve("notes.png"), "not an image");
        Path absent = tmp.resolve("absent.jpg");

        UnreadableImageException a = assertThrows(UnreadableImageException.class, () -> ImageFiles.read(absent));
        UnreadableImageException b = assertThrows(UnreadableImageException.class, () -> ImageFiles.read(text));

        assertEquals("cannot decode image " + absent + ": no such file", a.getMessage());
        assertEquals("cannot decode image " + text + ": not an image format ImageIO reads (JPEG, PNG, BMP, GIF)",
                b.getMessage());
    }

    @Test
    void resizeBringsTheShorterSideToTheSizeInWholePatches() {
        FloatImage img = TinyModels.image(30, 50, 1);

        FloatImage r = ImageFiles.resizeForPatches(img, 16, 4);

        assertEquals(16, r.height());
        assertEquals(28, r.width(), "50 * 16/30 = 26.7, nearest multiple of 4");
        assertSame(r, ImageFiles.resizeForPatches(r, 16, 4), "already fits");
        FloatImage grey = new FloatImage(1, 8, 8, new float[64]);
        assertEquals(3, ImageFiles.resizeForPatches(grey, 8, 4).channels());
    }

    @Test
    void cropKeepsTheTopLeftWholePatches() {
        FloatImage img = TinyModels.image(10, 7, 2);

        FloatImage c = ImageFiles.cropToPatches(img, 4);

        assertEquals(8, c.height());
        assertEquals(4, c.width());
        assertEquals(img.get(2, 7, 3), c.get(2, 7, 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageFiles.cropToPatches(TinyModels.image(3, 8, 0), 4));
        assertEquals("image 3x8 is smaller than one 4x4 patch; resize it first (resizeForPatches)", e.getMessage());
    }

    @Test
    void tensorIsNormalisedPerChannel() {
        FloatImage img = new FloatImage(3, 1, 2, new float[] {0.5f, 0.5f, 0.2f, 0.2f, 1f, 0f});
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = ImageFiles.tensor(List.of(img, img), Normalization.uniform(0.5, 0.5), m);

            assertEquals(new Shape(2, 3, 1, 2), x.getShape());
            float[] v = x.toFloatArray();
            assertEquals(0f, v[0], 1e-6);
            assertEquals(-0.6f, v[2], 1e-6);
            assertEquals(1f, v[4], 1e-6);
            assertEquals(-1f, v[11], 1e-6);
        }
    }
}
