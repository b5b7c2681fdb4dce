package org.dino4j.train.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.dino4j.train.augment.FloatImage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * JPEG and PNG images in a folder, decoded with ImageIO.
 *
 * <p>Layout, as torchvision's {@code ImageFolder}: if the root holds sub-folders, each is a class (labels in sorted
 * name order) and its images are found recursively; files directly in the root are then ignored. A root without
 * sub-folders is an unlabelled dataset of the images it holds (label -1). Files are recognised by extension
 * ({@code .jpg}, {@code .jpeg}, {@code .png}, any case); hidden files and folders are ignored. The order is sorted
 * and therefore the same on every machine.
 *
 * <p>Opening only lists files, so it stays fast for large folders. A file that turns out to be unreadable or truncated
 * is found when it is decoded: {@link #image(int)} logs a warning the first time, counts it in
 * {@link #skippedCount()} and throws {@link UnreadableImageException}; {@link MultiCropLoader} then uses a
 * deterministic replacement sample, so training never stops for a bad file.
 */
public final class ImageFolderDataset implements ImageDataset {

    private static final Logger LOG = LoggerFactory.getLogger(ImageFolderDataset.class);
    private static final List<String> EXTENSIONS = List.of(".jpg", ".jpeg", ".png");

    private final Path root;
    private final List<Path> files;
    private final int[] labels;
    private final List<String> classNames;
    private final Set<Path> unreadable = ConcurrentHashMap.newKeySet();

    private ImageFolderDataset(Path root, List<Path> files, int[] labels, List<String> classNames) {
        this.root = root;
        this.files = files;
        this.labels = labels;
        this.classNames = classNames;
    }

    /**
     * Indexes a folder.
     *
     * @param root the folder: class sub-folders, or images directly
     * @return the dataset
     * @throws IOException if the folder cannot be listed, holds no images, or a class folder holds none
     */
    public static ImageFolderDataset open(Path root) throws IOException {
        if (!Files.isDirectory(root)) {
            throw new NotDirectoryException(root + " (an image folder must be a directory of class sub-folders or of "
                    + "images)");
        }
        List<Path> classDirs;
        try (Stream<Path> s = Files.list(root)) {
            classDirs = s.filter(p -> Files.isDirectory(p) && !isHidden(p))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                    .collect(Collectors.toList());
        }
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        List<String> classNames = new ArrayList<>();
        if (classDirs.isEmpty()) {
            files.addAll(listImages(root, false));
            labels.addAll(Collections.nCopies(files.size(), -1));
        } else {
            for (Path dir : classDirs) {
                List<Path> images = listImages(dir, true);
                if (images.isEmpty()) {
                    throw new IOException("class folder " + dir + " holds no " + String.join(", ", EXTENSIONS)
                            + " images; remove it or add images");
                }
                labels.addAll(Collections.nCopies(images.size(), classNames.size()));
                classNames.add(dir.getFileName().toString());
                files.addAll(images);
            }
        }
        if (files.isEmpty()) {
            throw new IOException("no " + String.join(", ", EXTENSIONS) + " images found in " + root);
        }
        return new ImageFolderDataset(root, List.copyOf(files), labels.stream().mapToInt(Integer::intValue).toArray(),
                List.copyOf(classNames));
    }

    private static List<Path> listImages(Path dir, boolean recursive) throws IOException {
        try (Stream<Path> s = recursive ? Files.walk(dir) : Files.list(dir)) {
            return s.filter(p -> Files.isRegularFile(p) && isImageName(p) && !hasHiddenPart(dir, p))
                    .sorted(Comparator.comparing(p -> dir.relativize(p).toString()))
                    .collect(Collectors.toList());
        }
    }

    private static boolean isImageName(Path p) {
        String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return EXTENSIONS.stream().anyMatch(name::endsWith);
    }

    private static boolean isHidden(Path p) {
        return p.getFileName().toString().startsWith(".");
    }

    private static boolean hasHiddenPart(Path base, Path p) {
        for (Path part : base.relativize(p)) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    /** The indexed folder. */
    public Path root() {
        return root;
    }

    /** The file of sample {@code i}. */
    public Path path(int i) {
        checkIndex(i);
        return files.get(i);
    }

    @Override
    public int size() {
        return files.size();
    }

    /**
     * Decodes sample {@code i}.
     *
     * @throws UnreadableImageException if the file is corrupt, truncated or not an image; it is counted in
     *     {@link #skippedCount()}
     */
    @Override
    public FloatImage image(int i) {
        Path path = path(i);
        try {
            return ImageDecoder.decode(path);
        } catch (UnreadableImageException e) {
            if (unreadable.add(path)) {
                LOG.warn("Skipping unreadable image ({} so far): {}", unreadable.size(), e.getMessage());
            }
            throw e;
        }
    }

    @Override
    public int label(int i) {
        checkIndex(i);
        return labels[i];
    }

    @Override
    public List<String> classNames() {
        return classNames;
    }

    /** Distinct files found unreadable so far (each is skipped whenever it is drawn). */
    public int skippedCount() {
        return unreadable.size();
    }

    /** The files found unreadable so far, sorted. */
    public List<Path> skippedFiles() {
        return unreadable.stream().sorted().collect(Collectors.toUnmodifiableList());
    }
}
