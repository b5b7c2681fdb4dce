package org.dino4j.train.report;

import org.dino4j.core.backbone.Backbone;
import org.dino4j.train.augment.FloatImage;
import org.dino4j.train.augment.Normalization;
import org.dino4j.train.checkpoint.TrainingCheckpoint;
import org.dino4j.train.config.ConfigLoader;
import org.dino4j.train.config.DinoConfig;
import org.dino4j.train.data.ImageDataset;
import ai.djl.ndarray.NDManager;
import org.dino4j.core.interop.TrainingRole;
import org.dino4j.train.eval.AttentionMaps;
import org.dino4j.train.eval.CheckpointModels;
import org.dino4j.train.eval.LoadedModel;
import org.dino4j.train.eval.PcaVisualization;
import org.dino4j.train.loop.DataFactory;
import org.dino4j.train.loop.MetricsLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The report of a run: {@value #FILE} in the run directory, a single offline page (no scripts, no network; images
 * referenced by relative paths inside the run directory) with the key figures (k-NN accuracy of the random-init and
 * the trained teacher backbone, time per step, images/s), plots of the loss and the k-NN accuracy over training
 * ({@code plots/}), the last-layer attention maps of a few test images ({@code attention/}), the PCA of their patch
 * features ({@code pca/}), a summary of the configuration and the provenance.
 *
 * <p>What is missing is said on the page rather than failing the report: a run without k-NN evaluations gets no
 * accuracy plot, and if the pictures cannot be drawn the reason is shown where they would be.
 *
 * <pre>{@code
 * try (DinoTrainer trainer = new DinoTrainer(config, runDir)) {
 *     trainer.run();
 *     RunReport.write(runDir, trainer.teacher().backbone(), config);
 * }
 * }</pre>
 */
public final class RunReport {

    /** File name of the report in the run directory. */
    public static final String FILE = "report.html";
    /** Folder of the plots in the run directory. */
    public static final String PLOTS = "plots";
    /** Folder of the attention maps in the run directory. */
    public static final String ATTENTION = "attention";
    /** Folder of the PCA pictures in the run directory. */
    public static final String PCA = "pca";
    /** Test images shown by default: one per class, for the first classes. */
    public static final int DEFAULT_SAMPLES = 6;

    private static final Logger LOG = LoggerFactory.getLogger(RunReport.class);

    /**
     * Draws the pictures of what a backbone has learned. {@link #DINO} uses {@link AttentionMaps} and
     * {@link PcaVisualization}; tests and other visualisations substitute their own.
     */
    public interface Pictures {

        /**
         * The attention maps of one image.
         *
         * @param backbone the backbone (the teacher's)
         * @param image the image, RGB in [0, 1]
         * @param norm the normalisation of the run
         * @param outDir the folder to write into
         * @param baseName the file-name stem
         * @return the written images: the first is shown in the report (an overview), the others are linked
         * @throws IOException if writing fails
         */
        List<Path> attention(Backbone backbone, FloatImage image, Normalization norm, Path outDir, String baseName)
                throws IOException;

        /**
         * The PCA picture of the patch features of some images.
         *
         * @param backbone the backbone (the teacher's)
         * @param images the images, RGB in [0, 1], of one size
         * @param norm the normalisation of the run
         * @param outDir the folder to write into
         * @param baseName the file-name stem
         * @return the written image
         * @throws IOException if writing fails
         */
        Path pca(Backbone backbone, List<FloatImage> images, Normalization norm, Path outDir, String baseName)
                throws IOException;

        /** The DINO paper's attention maps and the DINOv2 paper's PCA of patch features. */
        Pictures DINO = new Pictures() {
            @Override
            public List<Path> attention(Backbone backbone, FloatImage image, Normalization norm, Path outDir,
                                        String baseName) throws IOException {
                return AttentionMaps.write(backbone, image, norm, outDir, baseName);
            }

            @Override
            public Path pca(Backbone backbone, List<FloatImage> images, Normalization norm, Path outDir,
                            String baseName) throws IOException {
                return PcaVisualization.write(backbone, images, norm, outDir, baseName);
            }
        };
    }

    private RunReport() {}

    /**
     * Writes the report of a run with the pictures of its teacher backbone on {@value #DEFAULT_SAMPLES} test
     * images (the first image of each of the first classes of the k-NN query set, or of the training set).
     *
     * @param runDir the run directory (with {@code metrics.jsonl}; {@code resolved-config.yaml},
     *     {@code provenance.yaml} and {@code checkpoint.zip} are shown when present)
     * @param teacher the trained teacher backbone, or null to leave out the pictures
     * @param config the run's configuration
     * @return the written {@value #FILE}
     * @throws IOException if the report cannot be written or the sample images cannot be read
     */
    public static Path write(Path runDir, Backbone teacher, DinoConfig config) throws IOException {
        List<FloatImage> samples = teacher == null ? List.of() : samples(config, DEFAULT_SAMPLES);
        return write(runDir, teacher, config, samples, Pictures.DINO, Map.of());
    }

    /**
     * Writes the report of a finished or interrupted run from its files alone: the configuration from
     * {@code resolved-config.yaml} and the teacher backbone from {@code checkpoint.zip} (without a checkpoint the
     * report has no pictures).
     *
     * @param runDir the run directory
     * @param manager the manager under which the teacher is loaded for the pictures (freed before returning)
     * @return the written {@value #FILE}
     * @throws IOException if a file of the run cannot be read or the report cannot be written
     */
    public static Path write(Path runDir, NDManager manager) throws IOException {
        DinoConfig config = ConfigLoader.loadResolved(runDir, List.of());
        Path checkpoint = runDir.resolve(TrainingCheckpoint.LATEST);
        if (!Files.isRegularFile(checkpoint)) {
            return write(runDir, null, config);
        }
        try (LoadedModel teacher = CheckpointModels.load(checkpoint, TrainingRole.TEACHER, manager)) {
            return write(runDir, teacher.backbone(), config);
        }
    }

    /**
     * Writes the report of a run.
     *
     * @param runDir the run directory
     * @param teacher the trained teacher backbone, or null to leave out the pictures
     * @param config the run's configuration
     * @param samples the images to draw attention maps and the PCA of (may be empty)
     * @param pictures draws them
     * @param figures further key figures the caller measured, shown first (e.g. {@code wall time})
     * @return the written {@value #FILE}
     * @throws IOException if the report cannot be written
     */
    public static Path write(Path runDir, Backbone teacher, DinoConfig config, List<FloatImage> samples,
                             Pictures pictures, Map<String, String> figures) throws IOException {
        if (!Files.isDirectory(runDir)) {
            throw new IOException("cannot write a report into " + runDir + ": not a directory (expected a run "
                    + "directory written by 'dino train')");
        }
        MetricsHistory history = MetricsHistory.read(runDir);
        Html html = new Html();
        html.head("DINO run " + runDir.toAbsolutePath().normalize().getFileName());
        html.raw("<p class=\"sub\">Report written " + Instant.now().truncatedTo(ChronoUnit.SECONDS)
                + " from <code>" + Html.esc(runDir.toAbsolutePath().normalize().toString()) + "</code></p>\n");

        keyFigures(html, history, config, figures);
        plots(html, runDir, history, config);
        pictures(html, runDir, teacher, config, samples, pictures);
        configSummary(html, config);
        provenance(html, runDir);
        files(html, runDir);
        html.tail();

        Path target = runDir.resolve(FILE);
        Path tmp = runDir.resolve(FILE + ".tmp");
        Files.writeString(tmp, html.toString(), StandardCharsets.UTF_8);
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        LOG.info("report written to {}", target);
        return target;
    }

    /**
     * Images to show: the first image of each class of the k-NN query set (or of the training set when no
     * evaluation set is configured), in class order, up to {@code count}; an unlabelled set gives its first images.
     *
     * @param config the run's configuration
     * @param count how many
     * @return the images, RGB
     * @throws IOException if the dataset cannot be opened
     */
    public static List<FloatImage> samples(DinoConfig config, int count) throws IOException {
        ImageDataset data;
        DataFactory.EvalSets eval = config.data().eval() != null && config.data().eval().isConfigured()
                ? DataFactory.eval(config.data().eval()) : null;
        data = eval != null ? eval.queries() : DataFactory.train(config.data().train());
        List<FloatImage> out = new ArrayList<>();
        int classes = data.classNames().size();
        if (classes == 0) {
            for (int i = 0; i < Math.min(count, data.size()); i++) {
                out.add(data.image(i).toRgb());
            }
            return out;
        }
        int[] firstOfClass = new int[classes];
        java.util.Arrays.fill(firstOfClass, -1);
        int found = 0;
        for (int i = 0; i < data.size() && found < Math.min(classes, count); i++) {
            int label = data.label(i);
            if (label >= 0 && label < Math.min(classes, count) && firstOfClass[label] < 0) {
                firstOfClass[label] = i;
                found++;
            }
        }
        for (int c = 0; c < Math.min(classes, count); c++) {
            if (firstOfClass[c] >= 0) {
                out.add(data.image(firstOfClass[c]).toRgb());
            }
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------------------------

    private static void keyFigures(Html html, MetricsHistory history, DinoConfig config, Map<String, String> figures) {
        html.h2("Key figures");
        List<Integer> ks = history.ks();
        if (!history.evaluations().isEmpty()) {
            html.raw("<table class=\"knn\"><caption>k-NN top-1 accuracy of the teacher backbone (%)</caption>\n<tr>"
                    + "<th>after</th>");
            ks.forEach(k -> html.raw("<th>k = " + k + "</th>"));
            html.raw("</tr>\n");
            for (MetricsHistory.EvalPoint e : history.evaluations()) {
                boolean last = e == history.evaluations().get(history.evaluations().size() - 1);
                html.raw("<tr" + (last && e.epoch() > 0 ? " class=\"final\"" : "") + "><td>"
                        + (e.epoch() == 0 ? "random init" : "epoch " + e.epoch()) + "</td>");
                for (int k : ks) {
                    Double v = e.top1ByK().get(k);
                    html.raw("<td class=\"num\">" + (v == null ? "" : String.format(Locale.ROOT, "%.2f", v))
                            + "</td>");
                }
                html.raw("</tr>\n");
            }
            html.raw("</table>\n");
        } else {
            html.p("No k-NN evaluation in this run (set data.eval and eval.knn_epochs to get one).");
        }

        Map<String, String> rows = new LinkedHashMap<>(figures);
        int batch = config.optim().batchSize();
        double ips = history.medianImagesPerSecond();
        rows.put("iterations trained", String.format(Locale.ROOT, "%,d", history.iterations()));
        if (!history.steps().isEmpty()) {
            MetricsHistory.TrainPoint lastStep = history.steps().get(history.steps().size() - 1);
            rows.put("epochs trained", (lastStep.epoch() + 1) + " of " + config.optim().epochs());
        }
        rows.put("batch size", Integer.toString(batch));
        if (Double.isFinite(ips) && ips > 0) {
            rows.put("images / s (median over logging windows)", String.format(Locale.ROOT, "%.1f", ips));
            rows.put("time per step", String.format(Locale.ROOT, "%.0f ms", 1000.0 * batch / ips));
        }
        List<MetricsHistory.TrainPoint> steps = history.steps();
        if (!steps.isEmpty()) {
            rows.put("loss: first logged / last logged", String.format(Locale.ROOT, "%.4f / %.4f",
                    steps.get(0).loss(), steps.get(steps.size() - 1).loss()));
        }
        html.table("Training", rows);
    }

    private static void plots(Html html, Path runDir, MetricsHistory history, DinoConfig config) throws IOException {
        html.h2("Training curves");
        Path dir = runDir.resolve(PLOTS);
        List<String> imgs = new ArrayList<>();
        List<MetricsHistory.TrainPoint> steps = history.steps();
        if (!steps.isEmpty()) {
            double[] x = steps.stream().mapToDouble(p -> p.iteration() + 1).toArray();
            double[] y = steps.stream().mapToDouble(MetricsHistory.TrainPoint::loss).toArray();
            LinePlot.Builder b = LinePlot.builder()
                    .setTitle("DINO loss (student vs teacher, all crop pairs)")
                    .setXLabel("iteration")
                    .setYLabel("loss")
                    .addSeries(new LinePlot.Series("logged step", x, y, LinePlot.SKY, x.length < 40, 1.5f));
            if (steps.size() >= 8) {
                b.addSeries(new LinePlot.Series("moving average", x, movingAverage(y, Math.max(3, y.length / 15)),
                        LinePlot.BLUE, false, 2.5f));
            }
            b.build().writePng(dir.resolve("loss.png"));
            imgs.add(PLOTS + "/loss.png");
        } else {
            html.p("No training steps logged yet.");
        }
        if (!history.evaluations().isEmpty()) {
            LinePlot.Builder b = LinePlot.builder()
                    .setTitle("k-NN top-1 accuracy of the teacher backbone")
                    .setXLabel("epoch (0 = random initialisation)")
                    .setYLabel("top-1 accuracy (%)")
                    .optIntegerX();
            int i = 0;
            for (int k : history.ks()) {
                List<MetricsHistory.EvalPoint> pts = history.evaluations().stream()
                        .filter(e -> e.top1ByK().containsKey(k)).toList();
                b.addSeries(new LinePlot.Series("k = " + k, pts.stream().mapToDouble(MetricsHistory.EvalPoint::epoch)
                        .toArray(), pts.stream().mapToDouble(e -> e.top1ByK().get(k)).toArray(),
                        LinePlot.PALETTE.get(i++ % LinePlot.PALETTE.size()), true));
            }
            b.build().writePng(dir.resolve("knn.png"));
            imgs.add(PLOTS + "/knn.png");
        }
        html.raw("<div class=\"row\">");
        imgs.forEach(src -> html.raw("<img class=\"plot\" src=\"" + Html.esc(src) + "\" alt=\"" + Html.esc(src)
                + "\">"));
        html.raw("</div>\n");
    }

    private static void pictures(Html html, Path runDir, Backbone teacher, DinoConfig config,
                                 List<FloatImage> samples, Pictures pictures) throws IOException {
        html.h2("What the teacher attends to");
        if (teacher == null || samples.isEmpty()) {
            html.p("No pictures: the report was written without a backbone or sample images.");
            return;
        }
        Normalization norm = DataFactory.normalization(config.crops());
        html.p("Self-attention of the CLS token to the patches in the last block, upsampled to the image as in the "
                + "DINO paper's figures: each test image, then the mean over heads and every head. The teacher "
                + "backbone is shown: it is the model DINO keeps.");
        Path attentionDir = runDir.resolve(ATTENTION);
        for (int i = 0; i < samples.size(); i++) {
            String name = String.format(Locale.ROOT, "sample-%02d", i);
            html.raw("<div class=\"pic\">");
            try {
                List<Path> files = pictures.attention(teacher, samples.get(i), norm, attentionDir, name);
                // the first picture is the overview (for DINO's maps: the image, the mean and every head)
                if (!files.isEmpty()) {
                    html.raw("<img src=\"" + Html.esc(relative(runDir, files.get(0))) + "\" alt=\"" + name
                            + "\" title=\"" + name + "\">");
                }
                if (files.size() > 1) {
                    html.raw("<br><span class=\"files\">single maps:");
                    for (Path p : files.subList(1, files.size())) {
                        String label = p.getFileName().toString().replaceFirst("^" + name + "-?", "")
                                .replaceFirst("\\.png$", "");
                        html.raw(" <a href=\"" + Html.esc(relative(runDir, p)) + "\">" + Html.esc(label) + "</a>");
                    }
                    html.raw("</span>");
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("attention maps of {} could not be drawn: {}", name, e.toString());
                html.raw("<span class=\"missing\">attention maps of " + name + " could not be drawn: "
                        + Html.esc(e.toString()) + "</span>");
            }
            html.raw("</div>\n");
        }

        html.h2("PCA of patch features");
        html.p("The first three principal components of the teacher's patch features over these images, mapped to "
                + "RGB, with the background (patches whose first component falls below a threshold) masked out, as "
                + "in the DINOv2 paper's figures.");
        try {
            Path pca = pictures.pca(teacher, samples, norm, runDir.resolve(PCA), "pca");
            html.raw("<img class=\"pca\" src=\"" + Html.esc(relative(runDir, pca)) + "\" alt=\"PCA of patch features\">"
                    + "\n");
        } catch (IOException | RuntimeException e) {
            LOG.warn("the PCA picture could not be drawn: {}", e.toString());
            html.raw("<p class=\"missing\">The PCA picture could not be drawn: " + Html.esc(e.toString()) + "</p>\n");
        }
    }

    private static void configSummary(Html html, DinoConfig config) {
        html.h2("Configuration");
        var bb = config.model().backbone();
        var head = config.model().head();
        var crops = config.crops();
        var optim = config.optim();
        Map<String, String> rows = new LinkedHashMap<>();
        rows.put("backbone", String.format(Locale.ROOT, "%s, patch %d, dim %d, depth %d, %d heads, drop path %.2f",
                bb.type().toString().toLowerCase(Locale.ROOT), bb.patchSize(), bb.embedDim(), bb.depth(),
                bb.numHeads(), bb.dropPathRate()));
        rows.put("DINO head", String.format(Locale.ROOT, "K = %d prototypes, hidden %d, bottleneck %d%s",
                head.outDim(), head.hiddenDim(), head.bottleneckDim(),
                head.normLastLayer() ? ", normalised last layer" : ""));
        rows.put("crops", String.format(Locale.ROOT, "2 global %d px (scale %.2f-%.2f) + %d local %d px (scale "
                        + "%.2f-%.2f)", crops.globalSize(), crops.globalScale().min(), crops.globalScale().max(),
                crops.localCount(), crops.localSize(), crops.localScale().min(), crops.localScale().max()));
        rows.put("optimisation", String.format(Locale.ROOT, "%s of batch %d, AdamW lr %.3g (base %.3g x %d/256), "
                        + "%s of warm-up, weight decay %.3g to %.3g", plural(optim.epochs(), "epoch"),
                optim.batchSize(), optim.scaledLr(), optim.lr(), optim.batchSize(),
                plural(optim.warmupEpochs(), "epoch"), optim.weightDecay(), optim.weightDecayEnd()));
        rows.put("teacher", String.format(Locale.ROOT, "%s, momentum %.4f to %.4f, temperature %.3f (student %.2f)",
                config.teacher().update().toString().replace("PREVIOUS_", "previous ").toLowerCase(Locale.ROOT)
                        .replace("ema", "EMA"),
                config.teacher().momentum(), config.teacher().finalMomentum(), config.loss().teacherTemp(),
                config.loss().studentTemp()));
        rows.put("training data", config.data().train().type().toString().toLowerCase(Locale.ROOT).replace('_', '-')
                + " " + config.data().train().path());
        if (config.data().eval() != null && config.data().eval().isConfigured()) {
            rows.put("k-NN data", "bank " + config.data().eval().trainPath() + ", queries "
                    + config.data().eval().testPath() + ", k " + config.eval().knnK() + ", T "
                    + config.eval().knnTemperature());
        }
        rows.put("seed", Long.toString(config.seed()));
        html.table(null, rows);
        html.raw("<details><summary>Resolved configuration (every key)</summary><pre>"
                + Html.esc(ConfigLoader.toYaml(config)) + "</pre></details>\n");
    }

    private static void provenance(Html html, Path runDir) {
        if (!Files.isRegularFile(runDir.resolve(Provenance.FILE))) {
            return;
        }
        html.h2("Provenance");
        try {
            Map<String, String> rows = new LinkedHashMap<>();
            Provenance.read(runDir).asMap().forEach((k, v) -> rows.put(k.replace('_', ' '),
                    v == null ? "unknown" : v.toString()));
            html.table(null, rows);
        } catch (IOException e) {
            html.p(Provenance.FILE + " could not be read: " + e.getMessage());
        }
    }

    private static void files(Html html, Path runDir) throws IOException {
        html.h2("Files");
        html.raw("<ul>\n");
        for (String name : List.of(TrainingCheckpoint.LATEST, MetricsLog.FILE, ConfigLoader.RESOLVED_CONFIG_FILE,
                Provenance.FILE)) {
            Path p = runDir.resolve(name);
            if (Files.isRegularFile(p)) {
                html.raw(String.format(Locale.ROOT, "<li><a href=\"%s\">%s</a> (%s)</li>%n", Html.esc(name),
                        Html.esc(name), size(Files.size(p))));
            }
        }
        html.raw("</ul>\n");
    }

    /** Centred moving average over {@code window} points (shorter at the ends). */
    static double[] movingAverage(double[] y, int window) {
        double[] out = new double[y.length];
        int half = window / 2;
        for (int i = 0; i < y.length; i++) {
            double sum = 0;
            int n = 0;
            for (int j = Math.max(0, i - half); j <= Math.min(y.length - 1, i + half); j++) {
                if (Double.isFinite(y[j])) {
                    sum += y[j];
                    n++;
                }
            }
            out[i] = n == 0 ? Double.NaN : sum / n;
        }
        return out;
    }

    private static String plural(int n, String word) {
        return n + " " + word + (n == 1 ? "" : "s");
    }

    private static String relative(Path runDir, Path file) {
        Path rel = runDir.toAbsolutePath().normalize().relativize(file.toAbsolutePath().normalize());
        return rel.toString().replace('\\', '/');
    }

    private static String size(long bytes) {
        if (bytes >= 1 << 20) {
            return String.format(Locale.ROOT, "%.1f MB", bytes / (double) (1 << 20));
        }
        return bytes >= 1 << 10 ? String.format(Locale.ROOT, "%.1f kB", bytes / 1024.0) : bytes + " bytes";
    }

    /** A small HTML writer with the page's inline style (no external resources). */
    private static final class Html {
        private final StringBuilder sb = new StringBuilder();

        static String esc(String s) {
            StringBuilder out = new StringBuilder(s.length());
            for (char c : s.toCharArray()) {
                switch (c) {
                    case '<' -> out.append("&lt;");
                    case '>' -> out.append("&gt;");
                    case '&' -> out.append("&amp;");
                    case '"' -> out.append("&quot;");
                    case '\'' -> out.append("&#39;");
                    default -> out.append(c);
                }
            }
            return out.toString();
        }

        void head(String title) {
            sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
                    .append(esc(title)).append("</title>\n<style>\n")
                    .append("body{font-family:sans-serif;max-width:1180px;margin:2em auto;padding:0 1em;color:#222}\n")
                    .append("h1{margin-bottom:0}.sub{color:#666;margin-top:.3em}\n")
                    .append("h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:1.6em}\n")
                    .append("table{border-collapse:collapse;margin:.8em 0}\n")
                    .append("td,th{border:1px solid #ddd;padding:.3em .7em;text-align:left}\n")
                    .append("th{background:#f4f4f4}td.num{text-align:right;font-variant-numeric:tabular-nums}\n")
                    .append("tr.final td{font-weight:bold}caption{text-align:left;font-weight:bold;")
                    .append("padding-bottom:.3em}\n")
                    .append(".row{display:flex;flex-wrap:wrap;gap:12px}img.plot{max-width:100%;")
                    .append("border:1px solid #eee}\n")
                    .append(".pic{margin:.6em 0}.pic img{max-width:100%;height:auto}.files{font-size:85%;")
                    .append("color:#555}\n")
                    .append("img.pca{max-width:100%;image-rendering:pixelated}.missing{color:#a33}\n")
                    .append("pre{background:#f7f7f7;padding:.8em;overflow-x:auto;font-size:90%}\n")
                    .append("</style>\n</head>\n<body>\n<h1>").append(esc(title)).append("</h1>\n");
        }

        void h2(String text) {
            sb.append("<h2>").append(esc(text)).append("</h2>\n");
        }

        void p(String text) {
            sb.append("<p>").append(esc(text)).append("</p>\n");
        }

        void table(String caption, Map<String, String> rows) {
            sb.append("<table>");
            if (caption != null) {
                sb.append("<caption>").append(esc(caption)).append("</caption>");
            }
            sb.append('\n');
            rows.forEach((k, v) -> sb.append("<tr><th>").append(esc(k)).append("</th><td>").append(esc(v))
                    .append("</td></tr>\n"));
            sb.append("</table>\n");
        }

        void raw(String s) {
            sb.append(s);
        }

        void tail() {
            sb.append("<p class=\"sub\">Written by dino4j. All images are files in this run directory; the page "
                    + "loads nothing from the network.</p>\n</body>\n</html>\n");
        }

        @Override
        public String toString() {
            return sb.toString();
        }
    }
}
