package org.dino4j.train.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.dino4j.train.augment.FloatImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxDatasetTest {

    @TempDir
    Path dir;

    /** An IDX file: magic, dimensions, then the bytes. */
    static byte[] idx(int magic, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(data);
        return b.array();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (OutputStream gz = new GZIPOutputStream(out)) {
            gz.write(raw);
        }
        return out.toByteArray();
    }

    /** Five 2x3 images; pixel j of image i is 10 i + j. */
    private static byte[] pixels() {
        byte[] p = new byte[5 * 6];
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 6; j++) {
                p[i * 6 + j] = (byte) (10 * i + j);
            }
        }
        p[29] = (byte) 255;
        return p;
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    @Test
    void readsGzippedImagesAndRawLabels() throws IOException {
        Path images = write("images.idx", gzip(idx(0x803, new int[] {5, 2, 3}, pixels())));
        Path labels = write("labels.gz", idx(0x801, new int[] {5}, new byte[] {3, 0, 1, 2, 1}));
        IdxDataset ds = IdxDataset.open(images, labels, List.of("a", "b", "c", "d"));
        assertEquals(5, ds.size());
        assertEquals(2, ds.height());
        assertEquals(3, ds.width());
        assertEquals(3, ds.label(0));
        assertEquals(1, ds.label(4));
        assertEquals(List.of("a", "b", "c", "d"), ds.classNames());
        FloatImage img = ds.image(2);
        assertEquals(3, img.channels());
        assertEquals(21 / 255f, img.get(0, 0, 1));
        assertEquals(21 / 255f, img.get(2, 0, 1));
        assertEquals(25 / 255f, img.get(1, 1, 2));
        assertEquals(1f, ds.image(4).get(0, 1, 2));
    }

    @Test
    void unlabelledAndNumberedClasses() throws IOException {
        Path images = write("images", idx(0x803, new int[] {5, 2, 3}, pixels()));
        IdxDataset unlabelled = IdxDataset.open(images, null, List.of());
        assertEquals(-1, unlabelled.label(0));
        assertEquals(List.of(), unlabelled.classNames());
        Path labels = write("labels", idx(0x801, new int[] {5}, new byte[] {2, 0, 1, 2, 1}));
        assertEquals(List.of("0", "1", "2"), IdxDataset.open(images, labels, List.of()).classNames());
    }

    @Test
    void wrongMagicIsReported() throws IOException {
        Path labels = write("labels", idx(0x801, new int[] {5}, new byte[5]));
        IOException e = assertThrows(IOException.class, () -> IdxDataset.open(labels, null, List.of()));
        assertEquals(labels + ": not an IDX images file: magic number is 0x00000801, expected 0x00000803 "
                + "(unsigned bytes, 3 dimensions)", e.getMessage());
    }

    @Test
    void truncatedDataIsReported() throws IOException {
        byte[] full = idx(0x803, new int[] {5, 2, 3}, pixels());
        Path images = write("images", Arrays.copyOf(full, full.length - 7));
        IOException e = assertThrows(IOException.class, () -> IdxDataset.open(images, null, List.of()));
        assertEquals(images + ": truncated IDX data: 5 x 2 x 3 needs 30 bytes after the 16-byte header, the file "
                + "holds 23", e.getMessage());
        Path header = write("header", Arrays.copyOf(full, 10));
        e = assertThrows(IOException.class, () -> IdxDataset.open(header, null, List.of()));
        assertEquals(header + ": truncated IDX header: 3 dimensions need 16 bytes, the file holds 10",
                e.getMessage());
    }

    @Test
    void truncatedGzipIsReported() throws IOException {
        byte[] gz = gzip(idx(0x803, new int[] {5, 2, 3}, pixels()));
        Path images = write("images.gz", Arrays.copyOf(gz, gz.length / 2));
        IOException e = assertThrows(IOException.class, () -> IdxDataset.open(images, null, List.of()));
        assertTrue(e.getMessage().startsWith(images + ": truncated or corrupt gzip stream"), e.getMessage());
    }

    @Test
    void countMismatchAndLabelRangeAreReported() throws IOException {
        Path images = write("images", idx(0x803, new int[] {5, 2, 3}, pixels()));
        Path four = write("four", idx(0x801, new int[] {4}, new byte[4]));
        IOException e = assertThrows(IOException.class, () -> IdxDataset.open(images, four, List.of()));
        assertEquals("images file " + images + " holds 5 images but labels file " + four
                + " holds 4 labels; they must match one to one", e.getMessage());
        Path big = write("big", idx(0x801, new int[] {5}, new byte[] {0, 1, 9, 0, 0}));
        e = assertThrows(IOException.class, () -> IdxDataset.open(images, big, List.of("x", "y")));
        assertEquals("labels file " + big + " holds label 9 but only 2 class names were given: [x, y]",
                e.getMessage());
    }

    @Test
    void missingFashionMnistFolderIsReported() {
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> IdxDataset.fashionMnist(dir, IdxDataset.Split.TEST));
        assertTrue(e.getMessage().contains("neither t10k-images-idx3-ubyte.gz nor t10k-images-idx3-ubyte exists in "
                + dir + "; install Debian's dataset-fashion-mnist package"), e.getMessage());
    }

    @Test
    void indexOutsideIsRejected() throws IOException {
        IdxDataset ds = IdxDataset.open(write("images", idx(0x803, new int[] {5, 2, 3}, pixels())), null, List.of());
        IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> ds.image(5));
        assertEquals("sample index 5 is outside [0, 5)", e.getMessage());
    }

    @Test
    void readsRealFashionMnistWhenInstalled() throws IOException {
        assumeTrue(Files.isDirectory(IdxDataset.DEBIAN_FASHION_MNIST), "Debian's dataset-fashion-mnist not installed");
        IdxDataset test = IdxDataset.fashionMnist(IdxDataset.Split.TEST);
        assertEquals(10000, test.size());
        assertEquals(28, test.height());
        assertEquals(IdxDataset.FASHION_MNIST_CLASSES, test.classNames());
        // The first test image is an ankle boot, the second a pullover (as in the dataset's documentation).
        assertEquals(9, test.label(0));
        assertEquals(2, test.label(1));
        FloatImage img = test.image(0);
        assertEquals(3 * 28 * 28, img.data().length);
        double mean = 0;
        for (float v : img.data()) {
            assertTrue(v >= 0f && v <= 1f);
            mean += v;
        }
        assertTrue(mean / img.data().length > 0.05, "image is not blank");
        SubsetDataset balanced = SubsetDataset.firstPerClass(test, 3);
        assertEquals(30, balanced.size());
    }
}
