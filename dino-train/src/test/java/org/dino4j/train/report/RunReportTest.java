package org.dino4j.train.report;

import ai.djl.ndarray.NDManager;
import org.dino4j.core.backbone.Backbone;
import org.dino4j.train.augment.FloatImage;
import org.dino4j.train.augment.Normalization;
import org.dino4j.train.config.ConfigLoader;
import org.dino4j.train.config.DinoConfig;
import org.dino4j.train.loop.DinoTrainer;
import org.dino4j.train.loop.ModelFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The report of a run written from a synthetic {@code metrics.jsonl}: every file exists and is referenced. */
class RunReportTest {

    private static final Pattern REFERENCE = Pattern.compile("(?:src|href)=\"([^\"]*)\"");

    @TempDir
    Path runDir;

    static DinoConfig tinyConfig() {
        return ConfigLoader.load(QuickstartConfigTest.CONFIG, List.of("model.backbone.embed_dim=16",
                "model.backbone.depth=1", "model.backbone.num_heads=2", "model.head.out_dim=32",
                "model.head.hidden_dim=32", "model.head.bottleneck_dim=16"));
    }

    /** Stands for the analysis pictures: writes {@code heads} small PNGs per image and one PCA PNG. */
    static final class FakePictures implements RunReport.Pictures {
        final int heads;
        int attentionCalls;
        int pcaImages;

        FakePictures(int heads) {
            this.heads = heads;
        }

        @Override
        public List<Path> attention(Backbone backbone, FloatImage image, Normalization norm, Path outDir,
                                    String baseName) throws IOException {
            attentionCalls++;
            List<Path> out = new ArrayList<>();
            for (int h = 0; h < heads; h++) {
                out.add(png(outDir.resolve(baseName + "-head" + h + ".png")));
            }
            return out;
        }

        @Override
        public Path pca(Backbone backbone, List<FloatImage> images, Normalization norm, Path outDir,
                        String baseName) throws IOException {
            pcaImages = images.size();
            return png(outDir.resolve(baseName + ".png"));
        }

        private static Path png(Path file) throws IOException {
            Files.createDirectories(file.getParent());
            ImageIO.write(new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB), "png", file.toFile());
            return file;
        }
    }

    @Test
    void reportReferencesEveryPictureAndEveryReferenceExists() throws IOException {
        DinoConfig config = tinyConfig();
        writeSyntheticRun(config);
        List<FloatImage> samples = RunReport.samples(config, 3);
        FakePictures pictures = new FakePictures(2);

        Path report = RunReport.write(runDir, stubBackbone(), config, samples, pictures,
                Map.of("wall time", "1 min 02 s"));

        assertEquals(runDir.resolve(RunReport.FILE), report);
        String html = Files.readString(report);
        Set<String> refs = references(html);
        for (String ref : refs) {
            Path file = runDir.resolve(ref);
            assertTrue(Files.isRegularFile(file), "referenced but missing: " + ref);
            if (ref.endsWith(".png")) {
                assertNotNull(ImageIO.read(file.toFile()), "readable PNG: " + ref);
            }
        }
        Set<String> pngs = new LinkedHashSet<>();
        try (Stream<Path> files = Files.walk(runDir)) {
            files.filter(p -> p.toString().endsWith(".png"))
                    .forEach(p -> pngs.add(runDir.relativize(p).toString().replace('\\', '/')));
        }
        assertEquals(3 * 2 /* heads */ + 1 /* pca */ + 2 /* plots */, pngs.size(), pngs.toString());
        assertTrue(refs.containsAll(pngs), "every picture is shown; missing: " + diff(pngs, refs));
        assertTrue(refs.containsAll(List.of("plots/loss.png", "plots/knn.png", "pca/pca.png",
                "attention/sample-00-head0.png", "checkpoint.zip", "metrics.jsonl", "resolved-config.yaml",
                "provenance.yaml")), refs.toString());
        assertEquals(3, pictures.attentionCalls);
        assertEquals(3, pictures.pcaImages);
    }

    @Test
    void reportShowsTheKeyFiguresAndLoadsNothingFromTheNetwork() throws IOException {
        DinoConfig config = tinyConfig();
        writeSyntheticRun(config);

        String html = Files.readString(RunReport.write(runDir, stubBackbone(), config,
                RunReport.samples(config, 2), new FakePictures(1), Map.of("wall time", "1 min 02 s")));

        // k-NN table: random init and the final epoch, k = 20 before k = 1
        assertTrue(html.contains("<th>k = 20</th><th>k = 1</th>"), html);
        assertTrue(html.contains("<td>random init</td><td class=\"num\">31.25</td><td class=\"num\">27.50</td>"), html);
        assertTrue(html.contains("<tr class=\"final\"><td>epoch 2</td><td class=\"num\">70.10</td>"), html);
        assertTrue(html.contains("<th>wall time</th><td>1 min 02 s</td>"), html);
        assertTrue(html.contains("<th>images / s (median over logging windows)</th><td>200.0</td>"), html);
        assertTrue(html.contains("<th>time per step</th><td>320 ms</td>"), "64 images at 200 img/s: " + html);
        assertTrue(html.contains("<th>git commit</th>"), html);
        assertTrue(html.contains("patch 4, dim 16, depth 1, 2 heads"), html);
        assertFalse(html.contains("http://") || html.contains("https://"), "no network references");
        assertFalse(html.contains("<script") || html.contains("<link"), "no scripts or style sheets");
    }

    @Test
    void aRunWithoutEvaluationsOrBackboneStillGetsAReport() throws IOException {
        DinoConfig config = tinyConfig();
        Files.writeString(runDir.resolve("metrics.jsonl"), MetricsHistoryTest.train(9, 0, 6.0, 100) + "\n");

        String html = Files.readString(RunReport.write(runDir, null, config, List.of(), new FakePictures(1),
                Map.of()));

        assertTrue(html.contains("No k-NN evaluation in this run"), html);
        assertTrue(html.contains("No pictures: the report was written without a backbone or sample images."), html);
        assertTrue(Files.isRegularFile(runDir.resolve("plots/loss.png")));
        assertFalse(Files.exists(runDir.resolve("plots/knn.png")));
    }

    @Test
    void failingPicturesAreReportedOnThePage() throws IOException {
        DinoConfig config = tinyConfig();
        writeSyntheticRun(config);
        RunReport.Pictures broken = new RunReport.Pictures() {
            @Override
            public List<Path> attention(Backbone b, FloatImage i, Normalization n, Path d, String s) {
                throw new IllegalArgumentException("attention maps need a ViT");
            }

            @Override
            public Path pca(Backbone b, List<FloatImage> i, Normalization n, Path d, String s) throws IOException {
                throw new IOException("disk full");
            }
        };

        String html = Files.readString(RunReport.write(runDir, stubBackbone(), config,
                RunReport.samples(config, 1), broken, Map.of()));

        assertTrue(html.contains("attention maps of sample-00 could not be drawn: java.lang.IllegalArgumentException: "
                + "attention maps need a ViT"), html);
        assertTrue(html.contains("The PCA picture could not be drawn: java.io.IOException: disk full"), html);
    }

    /** With the real attention maps and PCA on a tiny random-init ViT. */
    @Test
    void realPicturesOfATinyVit() throws IOException {
        DinoConfig config = tinyConfig();
        writeSyntheticRun(config);
        try (NDManager manager = NDManager.newBaseManager()) {
            Backbone vit = ModelFactory.backbone(config.model().backbone(), 0);
            vit.block().initializeWeights(manager, 0);

            String html = Files.readString(RunReport.write(runDir, vit, config, RunReport.samples(config, 2),
                    RunReport.Pictures.DINO, Map.of()));

            assertFalse(html.contains("could not be drawn"), html);
            for (String ref : references(html)) {
                assertTrue(Files.isRegularFile(runDir.resolve(ref)), ref);
            }
            try (Stream<Path> attention = Files.list(runDir.resolve(RunReport.ATTENTION))) {
                assertTrue(attention.count() >= 2, "attention pictures of both images");
            }
            assertTrue(html.contains("<img src=\"attention/sample-01.png\""), "the overview is shown: " + html);
            assertTrue(html.contains("<a href=\"attention/sample-01-head1.png\">head1</a>"), "single maps linked: "
                    + html);
            assertTrue(references(html).stream().anyMatch(r -> r.startsWith(RunReport.PCA + "/")), html);
        }
    }

    /** From the files of a real (one-step) run: configuration and teacher from the checkpoint. */
    @Test
    void fromTheFilesOfARun() throws IOException {
        DinoConfig config = ConfigLoader.load(QuickstartConfigTest.CONFIG, List.of("model.backbone.embed_dim=16",
                "model.backbone.depth=1", "model.backbone.num_heads=2", "model.head.out_dim=32",
                "model.head.hidden_dim=32", "model.head.bottleneck_dim=16", "data.train.per_class_limit=2",
                "optim.batch_size=4", "optim.epochs=1", "crops.local_count=1", "eval.knn_epochs=[]",
                "data.workers=1", "run.threads=1", "run.log_every=1"));
        try (DinoTrainer trainer = new DinoTrainer(config, runDir)) {
            trainer.runUntil(1);
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            String html = Files.readString(RunReport.write(runDir, manager));

            assertFalse(html.contains("could not be drawn"), html);
            assertTrue(html.contains("<img src=\"attention/sample-00.png\""), html);
            assertTrue(html.contains("<img class=\"pca\" src=\"pca/pca.png\""), html);
            assertTrue(html.contains("<th>iterations trained</th><td>1</td>"), html);
        }
    }

    @Test
    void samplesAreTheFirstImageOfEachClass() throws IOException {
        List<FloatImage> samples = RunReport.samples(tinyConfig(), 4);

        assertEquals(4, samples.size());
        var test = org.dino4j.train.data.IdxDataset.fashionMnist(QuickstartDatasetTest.EMBEDDED,
                org.dino4j.train.data.IdxDataset.Split.TEST);
        for (int c = 0; c < 4; c++) {
            int first = -1;
            for (int i = 0; i < test.size() && first < 0; i++) {
                first = test.label(i) == c ? i : -1;
            }
            assertEquals(test.image(first), samples.get(c), "class " + c);
        }
    }

    private void writeSyntheticRun(DinoConfig config) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("{\"type\":\"eval\",\"epoch\":0,\"knn_k20_top1\":31.25,\"knn_k1_top1\":27.5}");
        for (int it = 9; it < 160; it += 10) {
            lines.add(MetricsHistoryTest.train(it, it / 78, 6.5 - it / 40.0, it == 9 ? 50 : 200));
        }
        lines.add("{\"type\":\"eval\",\"epoch\":1,\"knn_k20_top1\":64.0,\"knn_k1_top1\":60.0}");
        lines.add("{\"type\":\"eval\",\"epoch\":2,\"knn_k20_top1\":70.1,\"knn_k1_top1\":66.0}");
        Files.writeString(runDir.resolve("metrics.jsonl"), String.join("\n", lines) + "\n");
        ConfigLoader.writeResolved(config, runDir);
        Provenance.collect(config.seed(), null).write(runDir);
        Files.writeString(runDir.resolve("checkpoint.zip"), "stands for the checkpoint");
    }

    /** The pictures are faked in most tests, so the backbone is never run: an uninitialised one will do. */
    private static Backbone stubBackbone() {
        return ModelFactory.backbone(tinyConfig().model().backbone(), 0);
    }

    static Set<String> references(String html) {
        Set<String> refs = new LinkedHashSet<>();
        Matcher m = REFERENCE.matcher(html);
        while (m.find()) {
            refs.add(m.group(1));
        }
        return refs;
    }

    private static Set<String> diff(Set<String> a, Set<String> b) {
        Set<String> d = new LinkedHashSet<>(a);
        d.removeAll(b);
        return d;
    }
}
