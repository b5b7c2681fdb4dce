package org.dino4j.examples;

import org.dino4j.examples.CliRun.Result;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import org.dino4j.core.interop.TrainingRole;
import org.dino4j.core.io.SafeTensors;
import org.dino4j.core.io.TensorArchive;
import org.dino4j.train.config.ConfigLoader;
import org.dino4j.train.config.DinoConfig;
import org.dino4j.train.eval.CheckpointModels;
import org.dino4j.train.eval.LoadedModel;
import org.dino4j.train.loop.ModelFactory;
import org.dino4j.train.model.MultiCropNetwork;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code dino attention / pca / export / info / eval}: parsing, the files they write and their error messages. */
class AnalysisCommandsTest {

    @TempDir
    static Path shared;

    static Path checkpoint;
    static Path image;
    static Path greyImage;
    static NDManager root;

    @TempDir
    Path tmp;


    /** A dino4j checkpoint of a tiny random run (patch 4, D 32, 16-pixel crops) and two small images. */
    @BeforeAll
    static void tinyCheckpointAndImages() throws IOException {
        root = NDManager.newBaseManager();
        DinoConfig config = tinyConfig();
        MultiCropNetwork student = ModelFactory.student(config.model());
        MultiCropNetwork teacher = ModelFactory.teacher(config.model());
        student.initializeWeights(root, 1);
        teacher.initializeWeights(root, 2);
        LinkedHashMap<String, NDArray> tensors = new LinkedHashMap<>();
        student.stateDict().forEach((k, p) -> tensors.put("student/" + k, p.getArray()));
        teacher.stateDict().forEach((k, p) -> tensors.put("teacher/" + k, p.getArray()));
        JsonObject meta = new JsonObject();
        meta.addProperty("resolved_config", ConfigLoader.toYaml(config));
        checkpoint = shared.resolve("run/checkpoint.zip");
        TensorArchive.write(checkpoint, tensors, meta);
        image = shared.resolve("shirt.png");
        BufferedImage rgb = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
        SplittableRandom rng = new SplittableRandom(0);
        for (int y = 0; y < 30; y++) {
            for (int x = 0; x < 40; x++) {
                rgb.setRGB(x, y, rng.nextInt(1 << 24));
            }
        }
        ImageIO.write(rgb, "png", image.toFile());
        greyImage = shared.resolve("grey.jpg");
        BufferedImage grey = new BufferedImage(20, 20, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(5, 5, 0, 200);
        ImageIO.write(grey, "jpg", greyImage.toFile());
    }

    @AfterAll
    static void closeRoot() {
        root.close();
    }

    static DinoConfig tinyConfig() {
        return ConfigLoader.load((Path) null, List.of("model.backbone.image_size=16", "model.backbone.patch_size=4",
                "model.backbone.embed_dim=32", "model.backbone.depth=2", "model.backbone.num_heads=2",
                "model.head.out_dim=64", "model.head.hidden_dim=32", "model.head.bottleneck_dim=16",
                "crops.global_size=16", "crops.local_size=8", "crops.local_count=2", "optim.batch_size=4"));
    }

    // ------------------------------------------------------------------------------------------------ help

    @Test
    void everyCommandHasHelp() {
        for (List<String> command : List.of(List.of("attention"), List.of("pca"), List.of("export"), List.of("info"),
                List.of("eval"), List.of("eval", "knn"))) {
            List<String> args = new ArrayList<>(command);
            args.add("--help");

            Result r = run(args.toArray(String[]::new));

            assertEquals(0, r.exitCode(), command.toString());
            assertTrue(r.out().startsWith("Usage: dino " + String.join(" ", command)), r.out());
        }
        String knn = run("eval", "knn", "--help").out();
        for (String option : List.of("--checkpoint=FILE", "--data=DIR", "--train=DIR", "--test=DIR", "--k=K",
                "--temperature=T", "--per-class=N", "--size=N", "--role=ROLE", "--heads=N")) {
            assertTrue(knn.contains(option), option + " missing from\n" + knn);
        }
        String attention = run("attention", "--help").out();
        for (String option : List.of("--image=FILE", "--out=DIR", "--size=N", "--threshold=MASS")) {
            assertTrue(attention.contains(option), option + " missing from\n" + attention);
        }
    }

    @Test
    void optionsAreParsed() {
        CommandLine.ParseResult parsed = DinoCli.commandLine(CommandLine.defaultFactory()).parseArgs("eval", "knn",
                "--checkpoint", "c.zip", "--data", "d", "--k", "10,20", "--temperature", "0.1", "--role", "student");

        EvalCommand.KnnCommand knn = (EvalCommand.KnnCommand) parsed.subcommand().subcommand().commandSpec()
                .userObject();
        assertEquals(Path.of("c.zip"), knn.checkpoint.file);
        assertEquals(Path.of("d"), knn.data);
        assertEquals(List.of(10, 20), knn.ks);
        assertEquals(0.1, knn.temperature);
        assertEquals(TrainingRole.STUDENT, knn.checkpoint.role());

        CommandLine.ParseResult attention = DinoCli.commandLine(CommandLine.defaultFactory()).parseArgs("attention",
                "--checkpoint", "c.zip", "--image", "a.png", "b.jpg", "--image", "c.png", "--out", "o");
        AttentionCommand a = (AttentionCommand) attention.subcommand().commandSpec().userObject();
        assertEquals(List.of(Path.of("a.png"), Path.of("b.jpg"), Path.of("c.png")), a.images.images);
        assertEquals(TrainingRole.TEACHER, a.checkpoint.role());
    }

    // ------------------------------------------------------------------------------------------------ attention

    @Test
    void attentionWritesTheMapsOfEveryImage() throws IOException {
        Path out = tmp.resolve("att");

        Result r = run("attention", "--checkpoint", checkpoint.toString(), "--image", image.toString(),
                greyImage.toString(), "--out", out.toString(), "--threshold", "0.6");

        assertEquals(0, r.exitCode(), r.err());
        assertEquals(image + ": " + out.resolve("shirt.png") + " and 6 more\n"
                + greyImage + ": " + out.resolve("grey.png") + " and 6 more\n", r.out());
        for (String name : List.of("shirt.png", "shirt-mean.png", "shirt-head0.png", "shirt-head1.png",
                "shirt-head1-mask.png", "grey.png", "grey-head0.png")) {
            assertNotNull(ImageIO.read(out.resolve(name).toFile()), name);
        }
        // 40x30 resized to the training size 16 (shorter side) in whole patches: 16x20, shown x14
        BufferedImage head = ImageIO.read(out.resolve("shirt-head0.png").toFile());
        assertEquals(20 * 14, head.getWidth());
        assertEquals(16 * 14, head.getHeight());
    }

    @Test
    void attentionSizeOptionResizesTheImages() throws IOException {
        Path out = tmp.resolve("att");

        Result r = run("attention", "--checkpoint", checkpoint.toString(), "--image", image.toString(), "--out",
                out.toString(), "--size", "32");

        assertEquals(0, r.exitCode(), r.err());
        BufferedImage head = ImageIO.read(out.resolve("shirt-head0.png").toFile());
        assertEquals(44 * 7, head.getWidth(), "40x30 -> 32x43 -> 32x44 in whole patches, shown x7");
        assertEquals(32 * 7, head.getHeight());
    }

    @Test
    void attentionErrorsSayWhatIsWrong() throws IOException {
        Path absent = tmp.resolve("absent.png");
        Path garbage = Files.writeString(tmp.resolve("garbage.zip"), "not a checkpoint at all");

        assertEquals(new Result(2, "", "error: Image " + absent + " does not exist or is not a file\n"),
                run("attention", "--checkpoint", checkpoint.toString(), "--image", absent.toString(), "--out",
                        tmp.toString()));
        assertEquals(new Result(2, "", "error: --threshold must be in (0, 1] (a share of the attention mass, e.g."
                        + " 0.6), got 1.5\n"),
                run("attention", "--checkpoint", checkpoint.toString(), "--image", image.toString(), "--out",
                        tmp.toString(), "--threshold", "1.5"));
        assertEquals(new Result(2, "", "error: " + garbage + " is not a checkpoint dino4j can read: expected a dino4j"
                        + " run checkpoint (checkpoint.zip), a PyTorch file written by torch.save (.pth) or a"
                        + " safetensors file\n"),
                run("attention", "--checkpoint", garbage.toString(), "--image", image.toString(), "--out",
                        tmp.toString()));
        assertEquals(new Result(2, "", "error: Unknown --role 'pupil'; choose teacher or student\n"),
                run("attention", "--checkpoint", checkpoint.toString(), "--role", "pupil", "--image",
                        image.toString(), "--out", tmp.toString()));
        assertEquals(new Result(2, "", "error: Checkpoint " + tmp + " is a directory; pass the file, e.g. "
                        + tmp.resolve("checkpoint.zip") + "\n"),
                run("attention", "--checkpoint", tmp.toString(), "--image", image.toString(), "--out",
                        tmp.toString()));
        Result missing = run("attention", "--image", image.toString(), "--out", tmp.toString());
        assertEquals(2, missing.exitCode());
        assertTrue(missing.err().startsWith("Missing required option: '--checkpoint=FILE'"), missing.err());
    }

    @Test
    void anOfficialFileWhoseHeadCountIsUnknownAsksForIt() {
        Path official = Path.of("..", "dino-core", "src", "test", "resources", "fixtures", "checkpoints",
                "dino_backbone.pth");

        Result r = run("attention", "--checkpoint", official.toString(), "--image", image.toString(), "--out",
                tmp.toString());

        assertEquals(new Result(2, "", "error: Cannot load " + official + ": the number of attention heads is not in"
                + " the tensor shapes and cannot be inferred (embed dim 48 is not a multiple of 64 and the file names"
                + " no known architecture); give it explicitly (a divisor of 48) with --heads N\n"), r);
        assertEquals(0, run("attention", "--checkpoint", official.toString(), "--heads", "3", "--image",
                image.toString(), "--out", tmp.toString()).exitCode());
    }

    @Test
    void anUnreadableImageIsNamed() throws IOException {
        Path text = Files.writeString(tmp.resolve("notes.png"), "text");

        Result r = run("pca", "--checkpoint", checkpoint.toString(), "--image", text.toString(), "--out",
                tmp.toString());

        assertEquals(new Result(2, "", "error: cannot decode image " + text + ": not an image format ImageIO reads"
                + " (JPEG, PNG, BMP, GIF); give a JPEG or PNG file\n"), r);
    }

    // ------------------------------------------------------------------------------------------------ pca

    @Test
    void pcaWritesOneFigureForAllImages() throws IOException {
        Path out = tmp.resolve("pca");

        Result r = run("pca", "--checkpoint", checkpoint.toString(), "--image", image.toString(), "--image",
                greyImage.toString(), "--out", out.toString(), "--name", "both");

        assertEquals(new Result(0, out.resolve("both.png") + " (2 images)\n", ""), r);
        BufferedImage fig = ImageIO.read(out.resolve("both.png").toFile());
        assertEquals(2 * 16 * 14 + 3 * 4, fig.getHeight(), "images above their maps");
    }

    // ------------------------------------------------------------------------------------------------ export

    @Test
    void exportRoundTripGivesTheSameOutputs() throws IOException {
        Path out = tmp.resolve("teacher.safetensors");

        Result r = run("export", "--checkpoint", checkpoint.toString(), "--format", "safetensors", "--out",
                out.toString());

        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith(out + ": the backbone of the teacher of " + checkpoint
                + " (ViT patch 4, D 32, depth 2, 2 heads); 30 tensors, "), r.out());
        assertTrue(SafeTensors.read(out).tensors().containsKey("blocks.1.attn.qkv.weight"));
        NDArray x = root.randomUniform(0, 1, new Shape(2, 3, 16, 16));
        try (LoadedModel original = CheckpointModels.load(checkpoint, TrainingRole.TEACHER, root);
             LoadedModel exported = CheckpointModels.load(out, TrainingRole.TEACHER, root)) {
            assertArrayEquals(original.backbone().forward(x).tokens().toFloatArray(),
                    exported.backbone().forward(x).tokens().toFloatArray());
        }
    }

    @Test
    void exportOfAWholeNetworkKeepsTheHead() throws IOException {
        Path out = tmp.resolve("student.safetensors");

        Result r = run("export", "--checkpoint", checkpoint.toString(), "--part", "student", "--out",
                out.toString());

        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().startsWith(out + ": the student of " + checkpoint), r.out());
        assertTrue(SafeTensors.read(out).tensors().containsKey("head.last_layer.weight_g"));
        assertTrue(SafeTensors.read(out).tensors().containsKey("backbone.norm.weight"));
    }

    @Test
    void exportErrorsSayWhatIsWrong() throws IOException {
        Path existing = Files.writeString(tmp.resolve("x.safetensors"), "keep me");

        assertEquals(new Result(2, "", "error: Unknown --format 'onnx'; supported: [safetensors]\n"),
                run("export", "--checkpoint", checkpoint.toString(), "--format", "onnx", "--out", "x"));
        assertEquals(new Result(2, "", "error: Unknown --part 'head'; choose one of [backbone, student, teacher]\n"),
                run("export", "--checkpoint", checkpoint.toString(), "--part", "head", "--out", "x"));
        assertEquals(new Result(2, "", "error: --out " + existing + " already exists; pass --force to replace it or"
                        + " choose another file\n"),
                run("export", "--checkpoint", checkpoint.toString(), "--out", existing.toString()));
        assertEquals("keep me", Files.readString(existing));
        assertEquals(0, run("export", "--checkpoint", checkpoint.toString(), "--out", existing.toString(),
                "--force").exitCode());
        assertFalse(Files.readString(existing, java.nio.charset.StandardCharsets.ISO_8859_1).equals("keep me"));
    }

    // ------------------------------------------------------------------------------------------------ info

    @Test
    void infoPrintsTheConfigurationThenCountsThatStillLoadAsYaml() throws IOException {
        Result r = run("info", "--set", "model.backbone.image_size=32", "--set", "model.backbone.patch_size=4",
                "--set", "model.backbone.embed_dim=192", "--set", "model.backbone.depth=6", "--set",
                "model.backbone.num_heads=3", "--set", "model.backbone.drop_path_rate=0", "--set",
                "model.head.out_dim=4096", "--set", "model.head.hidden_dim=2048", "--set",
                "model.head.bottleneck_dim=256", "--set", "crops.global_size=32", "--set", "crops.local_size=16",
                "--set", "crops.local_count=6", "--set", "optim.batch_size=32");

        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("#   training per step                         133.2390 GFLOP   (batch 32)\n"),
                r.out());
        assertTrue(r.out().contains("#   training per image                          4.1637 GFLOP"), r.out());
        assertTrue(r.out().contains("#   model per step                            156.7859 GFLOP   (every token"
                + " through every block; the step skips products it does not need)\n"), r.out());
        assertTrue(r.out().contains("#   student backbone                         2,691,648\n"), r.out());
        Path printed = Files.writeString(tmp.resolve("printed.yaml"), r.out());
        assertEquals(192, ConfigLoader.load(printed, List.of()).model().backbone().embedDim());
    }

    @Test
    void infoReportsABadConfigurationKey() {
        Result r = run("info", "--set", "model.backbone.width=3");

        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("error: Unknown key 'model.backbone.width' in --set model.backbone.width=3;"),
                r.err());
    }

    // ------------------------------------------------------------------------------------------------ eval

    @Test
    void evalAloneListsItsCommands() {
        Result r = run("eval");

        assertEquals(2, r.exitCode());
        assertTrue(r.err().startsWith("Missing command: choose one of [knn]\n"), r.err());
    }

    @Test
    void evalKnnErrorsSayWhatIsWrong() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));

        assertEquals(new Result(2, "", "error: Missing data: give --data DIR (Fashion-MNIST / IDX folder, or a folder"
                        + " with train/ and test/) or both --train DIR and --test DIR\n"),
                run("eval", "knn", "--checkpoint", checkpoint.toString()));
        assertEquals(new Result(2, "", "error: --data cannot be combined with --train / --test; give either --data"
                        + " DIR or both --train DIR and --test DIR\n"),
                run("eval", "knn", "--checkpoint", checkpoint.toString(), "--data", empty.toString(), "--train",
                        empty.toString()));
        assertEquals(new Result(2, "", "error: --data " + empty + " is neither a Fashion-MNIST / IDX folder"
                        + " (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz] and the same for t10k) nor a"
                        + " folder with train/ and test/ (or val/) image folders; or pass --train DIR --test DIR\n"),
                run("eval", "knn", "--checkpoint", checkpoint.toString(), "--data", empty.toString()));
        assertEquals(new Result(2, "", "error: --k must list positive neighbour counts, e.g. --k 20,1; got [20, 0]\n"),
                run("eval", "knn", "--checkpoint", checkpoint.toString(), "--data", empty.toString(), "--k",
                        "20,0"));
        assertEquals(new Result(2, "", "error: --train " + tmp.resolve("absent") + " is not a directory\n"),
                run("eval", "knn", "--checkpoint", checkpoint.toString(), "--train", tmp.resolve("absent")
                        .toString(), "--test", empty.toString()));
    }

    @Test
    void evalKnnOnImageFolders() throws IOException {
        Path data = tmp.resolve("data");
        for (String split : List.of("train", "test")) {
            for (int c = 0; c < 2; c++) {
                Path dir = Files.createDirectories(data.resolve(split).resolve("class" + c));
                for (int i = 0; i < 3; i++) {
                    BufferedImage img = new BufferedImage(20, 24, BufferedImage.TYPE_INT_RGB);
                    int v = c == 0 ? 30 + 10 * i : 200 + 10 * i;
                    for (int y = 0; y < 24; y++) {
                        for (int x = 0; x < 20; x++) {
                            img.setRGB(x, y, v << 16 | v << 8 | v);
                        }
                    }
                    ImageIO.write(img, "png", dir.resolve(i + ".png").toFile());
                }
            }
        }

        Result r = run("eval", "knn", "--checkpoint", checkpoint.toString(), "--data", data.toString(), "--k", "3,1");

        assertEquals(0, r.exitCode(), r.err());
        assertEquals("k-NN with the teacher of " + checkpoint + " (ViT patch 4, D 32, depth 2, 2 heads)\n"
                + "memory bank 6 images, queries 6 images, 2 classes, 16x16 pixels, T = 0.07\n"
                + "k=3    top-1 100.00%\n"
                + "k=1    top-1 100.00%\n", r.out());
        Result tooMany = run("eval", "knn", "--checkpoint", checkpoint.toString(), "--data", data.toString());
        assertEquals(new Result(2, "", "error: --k 20 is larger than the memory bank (6 images); use k <= 6\n"),
                tooMany);
    }

    static Result run(String... args) {
        return CliRun.run(args);
    }
}
