package org.dino4j.train.report;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Builds the embedded quick-start dataset {@code data/fashion-mnist-subset}: for every class of Fashion-MNIST, its
 * first {@code trainPerClass} training and {@code testPerClass} test images in dataset order, kept in that order,
 * written as gzipped IDX files that {@code IdxDataset.fashionMnist(dir, split)} reads. The pixels and labels are
 * copied byte for byte; the gzip streams carry no time stamp, so the same input gives the same files.
 *
 * <p>It uses the JDK only, so it runs as a single source file from the repository root:
 *
 * <pre>
 * java dino-train/src/test/java/org/dino4j/train/report/FashionMnistSubset.java \
 *     /usr/share/datasets/fashion-mnist data/fashion-mnist-subset 1000 200
 * </pre>
 *
 * (The source folder is Debian's {@code dataset-fashion-mnist} package; any folder with the four original files
 * works.) {@code QuickstartDatasetTest} checks that the committed files are what this program writes.
 */
public final class FashionMnistSubset {

    /** Classes of Fashion-MNIST. */
    static final int CLASSES = 10;
    /** Images per class in the training split of the embedded subset. */
    static final int TRAIN_PER_CLASS = 1000;
    /** Images per class in the test split of the embedded subset. */
    static final int TEST_PER_CLASS = 200;

    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;

    private FashionMnistSubset() {}

    /**
     * @param args source folder, target folder, and optionally training and test images per class
     *     (default {@value #TRAIN_PER_CLASS} and {@value #TEST_PER_CLASS})
     * @throws IOException if a file cannot be read or written
     */
    public static void main(String[] args) throws IOException {
        if (args.length != 2 && args.length != 4) {
            System.err.println("usage: FashionMnistSubset SOURCE_DIR TARGET_DIR [TRAIN_PER_CLASS TEST_PER_CLASS]");
            System.exit(2);
        }
        int train = args.length == 4 ? Integer.parseInt(args[2]) : TRAIN_PER_CLASS;
        int test = args.length == 4 ? Integer.parseInt(args[3]) : TEST_PER_CLASS;
        write(Path.of(args[0]), Path.of(args[1]), train, test);
        System.out.println("wrote " + args[1]);
    }

    /**
     * Writes both splits of the subset.
     *
     * @param source folder with {@code train-*} and {@code t10k-*} IDX files (gzipped or not)
     * @param target folder to write the four {@code .gz} files into (created if absent)
     * @param trainPerClass training images per class
     * @param testPerClass test images per class
     * @throws IOException if a file cannot be read or written, or a class has fewer images than asked for
     */
    public static void write(Path source, Path target, int trainPerClass, int testPerClass) throws IOException {
        Files.createDirectories(target);
        split(source, target, "train", trainPerClass);
        split(source, target, "t10k", testPerClass);
    }

    private static void split(Path source, Path target, String prefix, int perClass) throws IOException {
        byte[] images = read(source, prefix + "-images-idx3-ubyte", IMAGES_MAGIC);
        byte[] labels = read(source, prefix + "-labels-idx1-ubyte", LABELS_MAGIC);
        int n = readInt(labels, 4);
        int rows = readInt(images, 8);
        int cols = readInt(images, 12);
        if (readInt(images, 4) != n) {
            throw new IOException(prefix + ": " + readInt(images, 4) + " images but " + n + " labels");
        }
        int plane = rows * cols;
        int[] taken = new int[CLASSES];
        ByteArrayOutputStream pixelsOut = new ByteArrayOutputStream();
        ByteArrayOutputStream labelsOut = new ByteArrayOutputStream();
        int kept = 0;
        for (int i = 0; i < n && kept < perClass * CLASSES; i++) {
            int label = labels[8 + i] & 0xFF;
            if (label >= CLASSES) {
                throw new IOException(prefix + ": label " + label + " of image " + i + " is not a Fashion-MNIST "
                        + "class (0.." + (CLASSES - 1) + ")");
            }
            if (taken[label] < perClass) {
                taken[label]++;
                kept++;
                pixelsOut.write(images, 16 + i * plane, plane);
                labelsOut.write(label);
            }
        }
        if (kept < perClass * CLASSES) {
            throw new IOException(prefix + ": asked for " + perClass + " images per class, but the split holds only "
                    + java.util.Arrays.toString(taken));
        }
        writeGzip(target.resolve(prefix + "-images-idx3-ubyte.gz"),
                header(IMAGES_MAGIC, kept, rows, cols), pixelsOut.toByteArray());
        writeGzip(target.resolve(prefix + "-labels-idx1-ubyte.gz"), header(LABELS_MAGIC, kept),
                labelsOut.toByteArray());
    }

    private static byte[] read(Path dir, String name, int magic) throws IOException {
        Path gz = dir.resolve(name + ".gz");
        byte[] bytes = Files.readAllBytes(Files.isRegularFile(gz) ? gz : dir.resolve(name));
        if (bytes.length > 1 && (bytes[0] & 0xFF) == 0x1F && (bytes[1] & 0xFF) == 0x8B) {
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(bytes))) {
                bytes = in.readAllBytes();
            }
        }
        if (readInt(bytes, 0) != magic) {
            throw new IOException(name + ": magic number 0x" + Integer.toHexString(readInt(bytes, 0)) + ", expected 0x"
                    + Integer.toHexString(magic));
        }
        return bytes;
    }

    private static byte[] header(int magic, int... dims) {
        byte[] out = new byte[4 + 4 * dims.length];
        putInt(out, 0, magic);
        for (int d = 0; d < dims.length; d++) {
            putInt(out, 4 + 4 * d, dims[d]);
        }
        return out;
    }

    /** Best compression keeps the committed files small; Java's gzip header has no time stamp or file name. */
    private static void writeGzip(Path file, byte[] header, byte[] data) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file), 1 << 16) {
            {
                def.setLevel(Deflater.BEST_COMPRESSION);
            }
        }) {
            out.write(header);
            out.write(data);
        }
    }

    private static int readInt(byte[] b, int at) {
        return ((b[at] & 0xFF) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF);
    }

    private static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }
}
