package org.dino4j.train.loop;

import org.dino4j.train.augment.ColorJitter;
import org.dino4j.train.augment.MultiCropConfig;
import org.dino4j.train.augment.Normalization;
import org.dino4j.train.config.CropsConfig;
import org.dino4j.train.config.DatasetConfig;
import org.dino4j.train.config.DatasetType;
import org.dino4j.train.config.EvalDataConfig;
import org.dino4j.train.data.IdxDataset;
import org.dino4j.train.data.ImageDataset;
import org.dino4j.train.data.ImageFolderDataset;
import org.dino4j.train.data.SubsetDataset;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens the datasets and builds the augmentation a configuration describes. */
public final class DataFactory {

    /**
     * The k-NN evaluation sets.
     *
     * @param bank the memory bank (train split)
     * @param queries the queries (test split)
     */
    public record EvalSets(ImageDataset bank, ImageDataset queries) {}

    private DataFactory() {}

    /** The training set of {@code c}. */
    public static ImageDataset train(DatasetConfig c) throws IOException {
        ImageDataset d = switch (c.type()) {
            case FASHION_MNIST -> IdxDataset.fashionMnist(dir(c.path(), "data.train.path"), IdxDataset.Split.TRAIN);
            case IDX -> IdxDataset.fashionMnist(dir(c.path(), "data.train.path"), IdxDataset.Split.TRAIN);
            case FOLDER -> ImageFolderDataset.open(dir(c.path(), "data.train.path"));
        };
        return limit(d, c.perClassLimit());
    }

    /**
     * The k-NN evaluation sets of {@code c}, or null when none is configured.
     */
    public static EvalSets eval(EvalDataConfig c) throws IOException {
        if (c == null || c.type() == null) {
            return null;
        }
        ImageDataset bank;
        ImageDataset queries;
        if (c.type() == DatasetType.FOLDER) {
            bank = ImageFolderDataset.open(dir(c.trainPath(), "data.eval.train_path"));
            queries = ImageFolderDataset.open(dir(c.testPath(), "data.eval.test_path"));
        } else {
            Path trainDir = dir(c.trainPath(), "data.eval.train_path");
            Path testDir = c.testPath() == null ? trainDir : dir(c.testPath(), "data.eval.test_path");
            bank = IdxDataset.fashionMnist(trainDir, IdxDataset.Split.TRAIN);
            queries = IdxDataset.fashionMnist(testDir, IdxDataset.Split.TEST);
        }
        if (bank.classNames().isEmpty()) {
            throw new IllegalArgumentException("k-NN evaluation needs labels: " + c.trainPath()
                    + " has no class sub-folders");
        }
        return new EvalSets(limit(bank, c.perClassLimit()), limit(queries, c.perClassLimit()));
    }

    private static ImageDataset limit(ImageDataset d, int perClass) {
        return perClass > 0 ? SubsetDataset.firstPerClass(d, perClass) : d;
    }

    private static Path dir(Path p, String key) {
        if (p == null) {
            throw new IllegalArgumentException(key + " is not set: give the directory of the dataset");
        }
        if (!Files.isDirectory(p)) {
            throw new IllegalArgumentException(key + " = " + p + " is not a directory"
                    + (p.startsWith("/usr/share/datasets/fashion-mnist")
                    ? " (install it with: apt-get install dataset-fashion-mnist)" : ""));
        }
        return p;
    }

    /**
     * The augmentation worker threads of a run: {@code data.workers}, or half the available cores (at least 1) when
     * it is 0, leaving the other cores to the training step.
     *
     * @param c the data section
     * @return worker threads
     */
    public static int workers(org.dino4j.train.config.DataConfig c) {
        return c.workers() > 0 ? c.workers() : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
    }

    /** The multi-crop augmentation of a configuration. */
    public static MultiCropConfig augmentation(CropsConfig c) {
        return new MultiCropConfig(c.globalSize(), c.localSize(), c.localCount(),
                c.globalScale().min(), c.globalScale().max(), c.localScale().min(), c.localScale().max(),
                c.flipP(),
                new ColorJitter(c.colorJitter().brightness(), c.colorJitter().contrast(),
                        c.colorJitter().saturation(), c.colorJitter().hue()),
                c.colorJitter().p(), c.grayscaleP(),
                c.blurP().firstGlobal(), c.blurP().secondGlobal(), c.blurP().local(),
                c.blurSigma().min(), c.blurSigma().max(), c.solarizeP(),
                normalization(c));
    }

    /** The normalisation of a configuration (also used for evaluation images). */
    public static Normalization normalization(CropsConfig c) {
        return new Normalization(c.mean(), c.std());
    }
}
