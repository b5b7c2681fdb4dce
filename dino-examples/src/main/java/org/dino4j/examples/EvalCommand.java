package org.dino4j.examples;

import ai.djl.ndarray.NDManager;
import org.dino4j.train.data.IdxDataset;
import org.dino4j.train.data.ImageDataset;
import org.dino4j.train.data.ImageFolderDataset;
import org.dino4j.train.data.SubsetDataset;
import org.dino4j.train.data.UnreadableImageException;
import org.dino4j.train.eval.KnnClassifier;
import org.dino4j.train.eval.KnnEvaluation;
import org.dino4j.train.eval.LoadedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code dino eval}: evaluations of a trained backbone; {@code dino eval knn} is the DINO paper's k-NN. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Evaluate a trained backbone.",
        subcommands = {EvalCommand.KnnCommand.class},
        footer = {"", "Run 'dino eval COMMAND --help' for the options of a command."})
final class EvalCommand implements Runnable {

    @Spec
    CommandSpec spec;

    /** {@code dino eval} alone is a usage error: say which evaluations exist. */
    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing command: choose one of "
                + spec.subcommands().keySet());
    }

    /** {@code dino eval knn}: weighted k-NN classification on frozen features, as the official eval_knn.py. */
    @Command(name = "knn", mixinStandardHelpOptions = true,
            description = {"Weighted k-NN classification with the frozen backbone's CLS features, as in the DINO"
                    + " paper: the k most similar memory-bank images vote for their class with weight"
                    + " exp(cosine similarity / T).",
                    "Data: a Fashion-MNIST / IDX folder (train-* is the memory bank, t10k-* the queries), a folder"
                            + " with train/ and test/ (or val/) class sub-folders, or --train DIR --test DIR."},
            footer = {"", "Examples:",
                    "  dino eval knn --checkpoint runs/fmnist/checkpoint.zip \\",
                    "      --data /usr/share/datasets/fashion-mnist",
                    "  dino eval knn --checkpoint dino_deitsmall16_pretrain.pth \\",
                    "      --train imagenet/train --test imagenet/val --k 10,20,100,200"})
    static final class KnnCommand implements Callable<Integer> {

        @Mixin
        CheckpointOptions checkpoint;

        @Option(names = "--data", paramLabel = "DIR",
                description = "A Fashion-MNIST / IDX folder, or a folder with train/ and test/ (or val/) image folders.")
        Path data;

        @Option(names = "--train", paramLabel = "DIR", description = "Memory bank: an image folder of class sub-folders.")
        Path train;

        @Option(names = "--test", paramLabel = "DIR", description = "Queries: an image folder of class sub-folders.")
        Path test;

        @Option(names = "--k", paramLabel = "K", split = ",", defaultValue = "20,1",
                description = "Neighbour counts, comma-separated (default: ${DEFAULT-VALUE}; the paper reports 20).")
        List<Integer> ks = new ArrayList<>();

        @Option(names = "--temperature", paramLabel = "T", defaultValue = "0.07",
                description = "Temperature of the vote weights (default: ${DEFAULT-VALUE}).")
        double temperature;

        @Option(names = "--per-class", paramLabel = "N", defaultValue = "0",
                description = "Use at most N images per class of each set (default: all).")
        int perClass;

        @Option(names = "--size", paramLabel = "N", defaultValue = "0",
                description = "Evaluation image side; other sizes are resized and centre-cropped as in the official"
                        + " evaluation (default: the size the network was trained on).")
        int size;

        @Option(names = "--batch-size", paramLabel = "N", defaultValue = "256",
                description = "Images per forward pass (default: ${DEFAULT-VALUE}).")
        int batchSize;

        @Spec
        CommandSpec spec;

        /** {@inheritDoc} */
        @Override
        public Integer call() throws Exception {
            checkOptions();
            checkpoint.check();
            List<ImageDataset> sets = openData();
            ImageDataset bank = limit(sets.get(0));
            ImageDataset queries = limit(sets.get(1));
            for (int k : ks) {
                if (k > bank.size()) {
                    throw new UserInputException("--k " + k + " is larger than the memory bank (" + bank.size()
                            + " images); use k <= " + bank.size());
                }
            }
            int[] kArray = ks.stream().mapToInt(Integer::intValue).toArray();
            PrintWriter out = spec.commandLine().getOut();
            try (NDManager root = NDManager.newBaseManager();
                 LoadedModel model = checkpoint.load(root)) {
                int side = size > 0 ? size : model.imageSize();
                out.printf("k-NN with the %s%nmemory bank %,d images, queries %,d images, %d classes, %dx%d pixels,"
                                + " T = %s%n", model.description(), bank.size(), queries.size(),
                        bank.classNames().size(), side, side, temperature);
                out.flush();
                List<KnnClassifier.Accuracy> acc;
                try {
                    acc = KnnEvaluation.run(model.backbone(), bank, queries, model.normalization(), side, kArray,
                            temperature, batchSize, root);
                } catch (UnreadableImageException e) {
                    throw new UserInputException(e.getMessage() + "; remove or replace the file");
                }
                for (KnnClassifier.Accuracy a : acc) {
                    out.printf("k=%-4d top-1 %6.2f%%%s%n", a.k(), a.top1(),
                            Double.isNaN(a.top5()) ? "" : String.format("   top-5 %6.2f%%", a.top5()));
                }
            }
            out.flush();
            return 0;
        }

        private void checkOptions() {
            if (ks.isEmpty() || ks.stream().anyMatch(k -> k < 1)) {
                throw new UserInputException("--k must list positive neighbour counts, e.g. --k 20,1; got " + ks);
            }
            if (!(temperature > 0) || !Double.isFinite(temperature)) {
                throw new UserInputException("--temperature must be positive (the paper uses 0.07), got "
                        + temperature);
            }
            if (perClass < 0 || size < 0 || batchSize < 1) {
                throw new UserInputException("--per-class and --size must be >= 0 and --batch-size >= 1, got "
                        + perClass + ", " + size + " and " + batchSize);
            }
            if (data != null && (train != null || test != null)) {
                throw new UserInputException("--data cannot be combined with --train / --test; give either --data DIR"
                        + " or both --train DIR and --test DIR");
            }
            if (data == null && (train == null || test == null)) {
                throw new UserInputException("Missing data: give --data DIR (Fashion-MNIST / IDX folder, or a folder"
                        + " with train/ and test/) or both --train DIR and --test DIR");
            }
        }

        /** The memory bank and the queries. */
        private List<ImageDataset> openData() throws IOException {
            if (data == null) {
                return List.of(folder(train, "--train"), folder(test, "--test"));
            }
            if (!Files.isDirectory(data)) {
                throw new UserInputException("--data " + data + " is not a directory");
            }
            if (hasIdx(data, "train")) {
                if (!hasIdx(data, "t10k")) {
                    throw new UserInputException("--data " + data + " has train-images-idx3-ubyte but no"
                            + " t10k-images-idx3-ubyte[.gz] / t10k-labels-idx1-ubyte[.gz] for the queries");
                }
                return List.of(IdxDataset.fashionMnist(data, IdxDataset.Split.TRAIN),
                        IdxDataset.fashionMnist(data, IdxDataset.Split.TEST));
            }
            Path queryDir = Files.isDirectory(data.resolve("test")) ? data.resolve("test") : data.resolve("val");
            if (Files.isDirectory(data.resolve("train")) && Files.isDirectory(queryDir)) {
                return List.of(folder(data.resolve("train"), "--data"), folder(queryDir, "--data"));
            }
            throw new UserInputException("--data " + data + " is neither a Fashion-MNIST / IDX folder"
                    + " (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz] and the same for t10k) nor a"
                    + " folder with train/ and test/ (or val/) image folders; or pass --train DIR --test DIR");
        }

        private static boolean hasIdx(Path dir, String prefix) {
            for (String kind : List.of("images-idx3-ubyte", "labels-idx1-ubyte")) {
                String name = prefix + "-" + kind;
                if (!Files.isRegularFile(dir.resolve(name)) && !Files.isRegularFile(dir.resolve(name + ".gz"))) {
                    return false;
                }
            }
            return true;
        }

        private static ImageDataset folder(Path dir, String option) {
            if (!Files.isDirectory(dir)) {
                throw new UserInputException(option + " " + dir + " is not a directory");
            }
            ImageFolderDataset d;
            try {
                d = ImageFolderDataset.open(dir);
            } catch (IOException e) {
                throw new UserInputException(option + " " + dir + ": " + e.getMessage());
            }
            if (d.classNames().isEmpty()) {
                throw new UserInputException(option + " " + dir + " has no class sub-folders; k-NN needs labelled"
                        + " images (one sub-folder of images per class)");
            }
            return d;
        }

        private ImageDataset limit(ImageDataset d) {
            return perClass > 0 ? SubsetDataset.firstPerClass(d, perClass) : d;
        }
    }
}
