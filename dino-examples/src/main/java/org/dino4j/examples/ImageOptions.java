package org.dino4j.examples;

import org.dino4j.train.augment.FloatImage;
import org.dino4j.train.data.UnreadableImageException;
import org.dino4j.train.eval.ImageFiles;
import org.dino4j.train.eval.LoadedModel;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** The options of the commands that draw pictures of images: {@code --image}, {@code --out} and {@code --size}. */
final class ImageOptions {

    @Option(names = "--image", paramLabel = "FILE", required = true, arity = "1..*",
            description = "Image files (JPEG, PNG); repeatable, or several after one --image.")
    List<Path> images = new ArrayList<>();

    @Option(names = "--out", paramLabel = "DIR", required = true,
            description = "Directory for the PNG files (created if absent; files of the same name are replaced).")
    Path out;

    @Option(names = "--size", paramLabel = "N", defaultValue = "0",
            description = "Resize each image so that its shorter side is about N pixels, in whole patches (bicubic;"
                    + " default: the size the network was trained on).")
    int size;

    /** Checks the options that need no model: the files exist and the output is a directory. */
    void check() {
        if (size < 0) {
            throw new UserInputException("--size must be positive (or 0 for the training size), got " + size);
        }
        for (Path image : images) {
            if (!Files.isRegularFile(image)) {
                throw new UserInputException("Image " + image + " does not exist or is not a file");
            }
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new UserInputException("--out " + out + " is a file; give a directory for the PNG files");
        }
    }

    /**
     * Reads and resizes every image for a model.
     *
     * @param model the network (its patch and training size)
     * @return RGB images whose sides are multiples of the patch size
     */
    List<FloatImage> read(LoadedModel model) {
        int patch = Math.max(1, model.patchSize());
        int side = size > 0 ? size : model.imageSize();
        if (side < patch) {
            throw new UserInputException("--size " + side + " is smaller than one patch; use at least " + patch);
        }
        List<FloatImage> out = new ArrayList<>();
        for (Path image : images) {
            try {
                out.add(ImageFiles.resizeForPatches(ImageFiles.read(image), side, patch));
            } catch (UnreadableImageException e) {
                throw new UserInputException(e.getMessage() + "; give a JPEG or PNG file");
            }
        }
        return out;
    }

    /** A distinct file-name stem per image: its name without extension, numbered on collisions. */
    List<String> baseNames() {
        List<String> names = new ArrayList<>();
        Set<String> used = new HashSet<>();
        for (Path image : images) {
            String stem = image.getFileName().toString().replaceFirst("\\.[^.]+$", "");
            String name = stem;
            for (int i = 2; !used.add(name); i++) {
                name = stem + "-" + i;
            }
            names.add(name);
        }
        return names;
    }
}
