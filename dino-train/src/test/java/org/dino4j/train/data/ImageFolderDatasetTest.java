package org.dino4j.train.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.dino4j.train.augment.FloatImage;
import org.dino4j.train.augment.MultiCropAugmentation;
import org.dino4j.train.augment.MultiCropConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderDatasetTest {

    @TempDir
    Path root;

    /** A 6x5 RGB image whose pixel (x, y) is (r, g + x, b + y). */
    static BufferedImage rgb(int r, int g, int b) {
        BufferedImage img = new BufferedImage(6, 5, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 5; y++) {
            for (int x = 0; x < 6; x++) {
                img.setRGB(x, y, (r << 16) | ((g + x) << 8) | (b + y));
            }
        }
        return img;
    }

    private Path png(String relative, BufferedImage img) throws IOException {
        Path p = root.resolve(relative);
        Files.createDirectories(p.getParent());
        ImageIO.write(img, "png", p.toFile());
        return p;
    }

    private Path jpg(String relative, BufferedImage img) throws IOException {
        Path p = root.resolve(relative);
        Files.createDirectories(p.getParent());
        ImageIO.write(img, "jpg", p.toFile());
        return p;
    }

    @Test
    void classFoldersGiveSortedLabels() throws IOException {
        png("zebra/b.png", rgb(10, 20, 30));
        png("zebra/a.PNG", rgb(11, 20, 30));
        png("ant/deep/c.png", rgb(12, 20, 30));
        jpg("ant/d.jpg", rgb(200, 100, 50));
        png("ant/.hidden.png", rgb(0, 0, 0));
        Files.writeString(root.resolve("ant/notes.txt"), "not an image");
        png("root-level.png", rgb(0, 0, 0));
        ImageFolderDataset ds = ImageFolderDataset.open(root);
        assertEquals(List.of("ant", "zebra"), ds.classNames());
        assertEquals(4, ds.size());
        assertEquals(root.resolve("ant/d.jpg"), ds.path(0));
        assertEquals(root.resolve("ant/deep/c.png"), ds.path(1));
        assertEquals(root.resolve("zebra/a.PNG"), ds.path(2));
        assertEquals(List.of(0, 0, 1, 1), List.of(ds.label(0), ds.label(1), ds.label(2), ds.label(3)));
        FloatImage img = ds.image(3);
        assertEquals(3, img.channels());
        assertEquals(5, img.height());
        assertEquals(6, img.width());
        assertEquals(10 / 255f, img.get(0, 4, 5));
        assertEquals(25 / 255f, img.get(1, 4, 5));
        assertEquals(34 / 255f, img.get(2, 4, 5));
        FloatImage jpeg = ds.image(0);
        assertEquals(200 / 255f, jpeg.get(0, 2, 2), 8 / 255f);
    }

    @Test
    void grayPngGivesThreeEqualChannelsWithStoredValues() throws IOException {
        BufferedImage gray = new BufferedImage(4, 3, BufferedImage.TYPE_BYTE_GRAY);
        gray.getRaster().setSample(1, 2, 0, 77);
        png("g.png", gray);
        ImageFolderDataset ds = ImageFolderDataset.open(root);
        assertEquals(List.of(), ds.classNames());
        assertEquals(-1, ds.label(0));
        FloatImage img = ds.image(0);
        for (int c = 0; c < 3; c++) {
            assertEquals(77 / 255f, img.get(c, 2, 1));
            assertEquals(0f, img.get(c, 0, 0));
        }
    }

    @Test
    void paletteAndAlphaImagesAreConverted() throws IOException {
        BufferedImage argb = new BufferedImage(3, 2, BufferedImage.TYPE_INT_ARGB);
        argb.setRGB(2, 1, 0x80FF4020);
        png("a.png", argb);
        BufferedImage indexed = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_INDEXED);
        indexed.setRGB(0, 0, 0xFFFFFFFF);
        png("b.png", indexed);
        ImageFolderDataset ds = ImageFolderDataset.open(root);
        FloatImage a = ds.image(0);
        // Alpha is dropped, as PIL's convert("RGB") does.
        assertEquals(1f, a.get(0, 1, 2));
        assertEquals(0x40 / 255f, a.get(1, 1, 2));
        assertEquals(0x20 / 255f, a.get(2, 1, 2));
        assertEquals(1f, ds.image(1).get(1, 0, 0));
    }

    @Test
    void corruptAndTruncatedFilesAreSkippedAndCounted() throws IOException {
        png("cls/0.png", rgb(1, 2, 3));
        Files.write(root.resolve("cls/1.jpg"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        png("cls/2.png", rgb(100, 100, 100));
        BufferedImage noise = new BufferedImage(64, 48, BufferedImage.TYPE_3BYTE_BGR);
        SplittableRandom rng = new SplittableRandom(1);
        for (int y = 0; y < 48; y++) {
            for (int x = 0; x < 64; x++) {
                noise.setRGB(x, y, rng.nextInt());
            }
        }
        byte[] bytes = Files.readAllBytes(jpg("big.jpg", noise));
        Files.delete(root.resolve("big.jpg"));
        Files.write(root.resolve("cls/3.jpg"), Arrays.copyOf(bytes, bytes.length / 2));
        png("cls/4.png", rgb(5, 5, 5));
        byte[] pngBytes = Files.readAllBytes(png("big.png", noise));
        Files.delete(root.resolve("big.png"));
        Files.write(root.resolve("cls/5.png"), Arrays.copyOf(pngBytes, pngBytes.length / 2));
        ImageFolderDataset ds = ImageFolderDataset.open(root);
        assertEquals(6, ds.size());
        UnreadableImageException e = assertThrows(UnreadableImageException.class, () -> ds.image(1));
        assertEquals(root.resolve("cls/1.jpg"), e.path());
        assertEquals("cannot decode image " + root.resolve("cls/1.jpg") + ": no image decoder recognises its content",
                e.getMessage());
        assertThrows(UnreadableImageException.class, () -> ds.image(1));
        assertEquals(1, ds.skippedCount());
        UnreadableImageException truncated = assertThrows(UnreadableImageException.class, () -> ds.image(3));
        assertTrue(truncated.getMessage().contains("truncated file"), truncated.getMessage());
        assertThrows(UnreadableImageException.class, () -> ds.image(5));
        assertEquals(3, ds.skippedCount());
        assertEquals(List.of(root.resolve("cls/1.jpg"), root.resolve("cls/3.jpg"), root.resolve("cls/5.png")),
                ds.skippedFiles());

        // The loader replaces each unreadable sample by the next readable one and never stops.
        MultiCropAugmentation aug = new MultiCropAugmentation(MultiCropConfig.dino().withSizes(8, 4, 1));
        try (MultiCropLoader loader = MultiCropLoader.builder().setDataset(ds).setAugmentation(aug).setBatchSize(6)
                .optShuffle(false).optWorkers(2).build();
                MultiCropLoader.Epoch epoch = loader.epoch(0)) {
            MultiCropBatch batch = epoch.next();
            assertEquals(List.of(0, 2, 2, 4, 4, 0), Arrays.stream(batch.sampleIndices()).boxed().toList());
            assertEquals(3, loader.stats().substituted());
        }
    }

    @Test
    void emptyClassFolderAndEmptyRootAreRejected() throws IOException {
        IOException e = assertThrows(IOException.class, () -> ImageFolderDataset.open(root));
        assertEquals("no .jpg, .jpeg, .png images found in " + root, e.getMessage());
        png("a/x.png", rgb(1, 1, 1));
        Files.createDirectories(root.resolve("b"));
        e = assertThrows(IOException.class, () -> ImageFolderDataset.open(root));
        assertEquals("class folder " + root.resolve("b") + " holds no .jpg, .jpeg, .png images; remove it or add "
                + "images", e.getMessage());
    }

    @Test
    void augmentsDecodedImages() throws IOException {
        png("x.png", rgb(40, 50, 60));
        ImageFolderDataset ds = ImageFolderDataset.open(root);
        float[][] crops = new MultiCropAugmentation(MultiCropConfig.dino().withSizes(16, 8, 2))
                .apply(ds.image(0), new SplittableRandom(0));
        assertEquals(4, crops.length);
    }
}
