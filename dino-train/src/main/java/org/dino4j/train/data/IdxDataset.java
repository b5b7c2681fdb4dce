package org.dino4j.train.data;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.dino4j.train.augment.FloatImage;

/**
 * Images and labels in the IDX format of MNIST and Fashion-MNIST: an images file of unsigned bytes with 3 dimensions
 * {@code [N, rows, columns]} (magic {@code 0x00000803}) and an optional labels file with 1 dimension {@code [N]}
 * (magic {@code 0x00000801}). Either file may be gzip-compressed; compression is detected from the content, not the
 * name. The files are read into memory once and validated (magic numbers, sizes, label range); images are converted
 * to 3-channel floats on demand.
 */
public final class IdxDataset implements ImageDataset {

    /** A Fashion-MNIST / MNIST split and its file-name prefix. */
    public enum Split {
        /** 60 000 training images, files {@code train-*}. */
        TRAIN("train"),
        /** 10 000 test images, files {@code t10k-*}. */
        TEST("t10k");

        private final String prefix;

        Split(String prefix) {
            this.prefix = prefix;
        }

        /** The file-name prefix ({@code train} or {@code t10k}). */
        public String prefix() {
            return prefix;
        }
    }

    /** Where Debian's {@code dataset-fashion-mnist} package installs the files. */
    public static final Path DEBIAN_FASHION_MNIST = Path.of("/usr/share/datasets/fashion-mnist");

    /** Fashion-MNIST class names, indexed by label. */
    public static final List<String> FASHION_MNIST_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress",
            "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** MNIST class names, the digits. */
    public static final List<String> MNIST_CLASSES = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    static final int IMAGES_MAGIC = 0x00000803;
    static final int LABELS_MAGIC = 0x00000801;

    private final byte[] pixels;
    private final int pixelOffset;
    private final int count;
    private final int height;
    private final int width;
    private final byte[] labels;
    private final int labelOffset;
    private final List<String> classNames;

    private IdxDataset(Idx images, Idx labels, List<String> classNames) {
        this.pixels = images.bytes;
        this.pixelOffset = images.dataOffset;
        this.count = images.dims[0];
        this.height = images.dims[1];
        this.width = images.dims[2];
        this.labels = labels == null ? null : labels.bytes;
        this.labelOffset = labels == null ? 0 : labels.dataOffset;
        this.classNames = List.copyOf(classNames);
    }

    /**
     * Fashion-MNIST from Debian's package folder {@link #DEBIAN_FASHION_MNIST}.
     *
     * @param split train or test
     * @return the labelled dataset with {@link #FASHION_MNIST_CLASSES}
     * @throws IOException if the files are missing or malformed
     */
    public static IdxDataset fashionMnist(Split split) throws IOException {
        return fashionMnist(DEBIAN_FASHION_MNIST, split);
    }

    /**
     * Fashion-MNIST from a folder holding {@code <prefix>-images-idx3-ubyte[.gz]} and
     * {@code <prefix>-labels-idx1-ubyte[.gz]}.
     *
     * @param dir the folder
     * @param split train or test
     * @return the labelled dataset with {@link #FASHION_MNIST_CLASSES}
     * @throws IOException if the files are missing or malformed
     */
    public static IdxDataset fashionMnist(Path dir, Split split) throws IOException {
        Path images = find(dir, split.prefix() + "-images-idx3-ubyte");
        Path labels = find(dir, split.prefix() + "-labels-idx1-ubyte");
        return open(images, labels, FASHION_MNIST_CLASSES);
    }

    private static Path find(Path dir, String name) throws IOException {
        Path gz = dir.resolve(name + ".gz");
        if (Files.isRegularFile(gz)) {
            return gz;
        }
        Path raw = dir.resolve(name);
        if (Files.isRegularFile(raw)) {
            return raw;
        }
        throw new NoSuchFileException(gz.toString(), null, "neither " + name + ".gz nor " + name + " exists in "
                + dir + "; install Debian's dataset-fashion-mnist package or pass the folder holding the IDX files");
    }

    /**
     * Opens an images file and an optional labels file.
     *
     * @param images IDX file of {@code [N, rows, columns]} unsigned bytes, raw or gzipped
     * @param labels IDX file of {@code [N]} unsigned bytes, raw or gzipped; null for an unlabelled dataset
     * @param classNames names indexed by label; if empty, labels are named by their number
     * @return the dataset
     * @throws IOException if a file is missing, truncated or not of the expected IDX type
     */
    public static IdxDataset open(Path images, Path labels, List<String> classNames) throws IOException {
        Objects.requireNonNull(images, "images file must not be null");
        Objects.requireNonNull(classNames, "classNames must not be null; pass List.of() to name labels by number");
        Idx img = Idx.read(images, IMAGES_MAGIC, "images");
        if (labels == null) {
            return new IdxDataset(img, null, List.of());
        }
        Idx lab = Idx.read(labels, LABELS_MAGIC, "labels");
        if (lab.dims[0] != img.dims[0]) {
            throw new IOException("images file " + images + " holds " + img.dims[0] + " images but labels file "
                    + labels + " holds " + lab.dims[0] + " labels; they must match one to one");
        }
        int maxLabel = -1;
        for (int i = 0; i < lab.dims[0]; i++) {
            maxLabel = Math.max(maxLabel, lab.bytes[lab.dataOffset + i] & 0xFF);
        }
        List<String> names = classNames;
        if (names.isEmpty()) {
            List<String> numbered = new ArrayList<>();
            for (int c = 0; c <= maxLabel; c++) {
                numbered.add(Integer.toString(c));
            }
            names = numbered;
        } else if (maxLabel >= names.size()) {
            throw new IOException("labels file " + labels + " holds label " + maxLabel + " but only " + names.size()
                    + " class names were given: " + names);
        }
        return new IdxDataset(img, lab, names);
    }

    @Override
    public int size() {
        return count;
    }

    /** Image rows (28 for Fashion-MNIST). */
    public int height() {
        return height;
    }

    /** Image columns (28 for Fashion-MNIST). */
    public int width() {
        return width;
    }

    /** The gray image expanded to three identical channels, values {@code byte / 255}. */
    @Override
    public FloatImage image(int i) {
        checkIndex(i);
        return FloatImage.fromGrayBytes(height, width, pixels, pixelOffset + i * height * width);
    }

    @Override
    public int label(int i) {
        checkIndex(i);
        return labels == null ? -1 : labels[labelOffset + i] & 0xFF;
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    /** A parsed IDX file: its dimensions and where the data starts in its (decompressed) bytes. */
    private static final class Idx {
        final byte[] bytes;
        final int[] dims;
        final int dataOffset;

        private Idx(byte[] bytes, int[] dims, int dataOffset) {
            this.bytes = bytes;
            this.dims = dims;
            this.dataOffset = dataOffset;
        }

        static Idx read(Path path, int expectedMagic, String what) throws IOException {
            if (!Files.isRegularFile(path)) {
                throw new NoSuchFileException(path.toString(), null, "IDX " + what + " file not found");
            }
            byte[] bytes = decompressIfGzip(path, Files.readAllBytes(path));
            int ndims = expectedMagic & 0xFF;
            if (bytes.length < 4) {
                throw new IOException(path + ": not an IDX " + what + " file: it holds " + bytes.length
                        + " bytes, fewer than the 4-byte magic number");
            }
            int magic = readInt(bytes, 0);
            if (magic != expectedMagic) {
                throw new IOException(String.format("%s: not an IDX %s file: magic number is 0x%08X, expected 0x%08X "
                        + "(unsigned bytes, %d dimension%s)", path, what, magic, expectedMagic, ndims,
                        ndims == 1 ? "" : "s"));
            }
            int header = 4 + 4 * ndims;
            if (bytes.length < header) {
                throw new IOException(path + ": truncated IDX header: " + ndims + " dimensions need " + header
                        + " bytes, the file holds " + bytes.length);
            }
            int[] dims = new int[ndims];
            long expected = 1;
            StringBuilder shape = new StringBuilder();
            for (int d = 0; d < ndims; d++) {
                dims[d] = readInt(bytes, 4 + 4 * d);
                if (dims[d] <= 0) {
                    throw new IOException(path + ": IDX dimension " + d + " is " + dims[d] + ", expected > 0");
                }
                expected *= dims[d];
                shape.append(d == 0 ? "" : " x ").append(dims[d]);
            }
            long actual = bytes.length - (long) header;
            if (actual < expected) {
                throw new IOException(path + ": truncated IDX data: " + shape + " needs " + expected
                        + " bytes after the " + header + "-byte header, the file holds " + actual);
            }
            if (actual > expected) {
                throw new IOException(path + ": IDX data is " + (actual - expected) + " bytes longer than the " + shape
                        + " its header declares; is the header from another file?");
            }
            return new Idx(bytes, dims, header);
        }

        private static byte[] decompressIfGzip(Path path, byte[] raw) throws IOException {
            if (raw.length < 2 || (raw[0] & 0xFF) != 0x1F || (raw[1] & 0xFF) != 0x8B) {
                return raw;
            }
            try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw), 1 << 16)) {
                return in.readAllBytes();
            } catch (EOFException | ZipException e) {
                throw new IOException(path + ": truncated or corrupt gzip stream (" + e.getMessage() + ")", e);
            }
        }

        private static int readInt(byte[] b, int at) {
            return ((b[at] & 0xFF) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF);
        }
    }
}
