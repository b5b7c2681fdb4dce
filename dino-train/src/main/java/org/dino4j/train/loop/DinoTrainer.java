package org.dino4j.train.loop;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import org.dino4j.core.backbone.VisionTransformer;
import org.dino4j.core.target.TeacherTargets;
import org.dino4j.train.objective.Objective;
import org.dino4j.core.schedule.CosineSchedule;
import org.dino4j.core.schedule.TeacherTemperatureSchedule;
import org.dino4j.train.augment.MultiCropAugmentation;
import org.dino4j.train.checkpoint.InitFrom;
import org.dino4j.train.checkpoint.TrainingCheckpoint;
import org.dino4j.train.config.ConfigLoader;
import org.dino4j.train.config.DinoConfig;
import org.dino4j.train.data.CropTensor;
import org.dino4j.train.data.HostStaging;
import org.dino4j.train.data.ImageDataset;
import org.dino4j.train.data.LoaderStats;
import org.dino4j.train.data.MultiCropBatch;
import org.dino4j.train.data.MultiCropLoader;
import org.dino4j.train.eval.FeatureExtractor;
import org.dino4j.train.eval.KnnClassifier;
import org.dino4j.core.nn.Kernels;
import org.dino4j.train.kernels.KernelChoice;
import org.dino4j.train.model.MultiCropNetwork;
import org.dino4j.train.optim.AdamW;
import org.dino4j.train.optim.ParameterGroups;
import org.dino4j.train.teacher.TeacherUpdate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A DINO pretraining run built from a configuration: student and teacher, multi-crop data, schedules, AdamW, the
 * DINO loss with centring, checkpoints, metrics and k-NN evaluations. The trainer owns the root native manager of
 * the run; close it when done.
 *
 * <p>The run directory receives {@code resolved-config.yaml}, {@code metrics.jsonl} and {@code checkpoint.zip}
 * (the latest full state, replaced atomically at the end of every {@code run.checkpoint_every} epochs and when a run
 * stops early on request).
 */
public final class DinoTrainer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DinoTrainer.class);
    private static final int EVAL_BATCH = 256;

    private final DinoConfig config;
    private final Path runDir;
    private final NDManager root;
    private final MultiCropNetwork student;
    private final MultiCropNetwork teacher;
    private final Objective objective;
    private final Map<String, TeacherTargets> targetsByRole = new LinkedHashMap<>();
    private final AdamW optimizer;
    private final TeacherUpdate teacherUpdate;
    private final TrainingSchedules schedules;
    private final DinoStep step;
    private final ImageDataset trainSet;
    private final DataFactory.EvalSets evalSets;
    private final MultiCropLoader loader;
    private final HostStaging staging = new HostStaging();
    private final int itersPerEpoch;
    private final String resolvedYaml;
    private TrainingCheckpoint.Position position = new TrainingCheckpoint.Position(0, 0, 0);
    private final Map<Integer, Map<Integer, Double>> knnHistory = new TreeMap<>();
    private volatile boolean stopRequested; // [progress/stop] set by requestStop(), e.g. from a Ctrl-C handler

    /**
     * Prepares a new run (nothing is trained until {@link #run()}).
     *
     * @param config the resolved configuration
     * @param runDir the run directory (created if absent)
     */
    public DinoTrainer(DinoConfig config, Path runDir) {
        this(config, runDir, true);
    }

    /** @param initialise whether to apply {@code model.init_from} (not when a checkpoint is restored next) */
    private DinoTrainer(DinoConfig config, Path runDir, boolean initialise) {
        this.config = config;
        this.runDir = runDir;
        configureThreads(config.run().threads());
        try {
            Files.createDirectories(runDir);
            this.trainSet = DataFactory.train(config.data().train());
            this.evalSets = config.eval().knnEpochs().isEmpty() ? null : DataFactory.eval(config.data().eval());
            this.resolvedYaml = ConfigLoader.toYaml(config);
            ConfigLoader.writeResolved(config, runDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare run directory " + runDir + ": " + e.getMessage(), e);
        }
        int batch = config.optim().batchSize();
        int full = trainSet.size() / batch;
        if (full == 0) {
            throw new IllegalArgumentException("the training set has " + trainSet.size() + " images, fewer than one "
                    + "batch (optim.batch_size = " + batch + "); lower the batch size or add images");
        }
        int cap = config.run().maxStepsPerEpoch();
        this.itersPerEpoch = cap > 0 ? Math.min(cap, full) : full;

        this.root = NDManager.newBaseManager();
        root.setName("dino-run");
        this.student = ModelFactory.student(config.model(), config.objective());
        this.teacher = ModelFactory.teacher(config.model(), config.objective());
        Kernels backboneKernels = KernelChoice.apply(student, config.run());
        KernelChoice.apply(teacher, config.run());
        LOG.info("Kernels: {} in the backbones, parameter updates {}", backboneKernels.name(),
                KernelChoice.foreach(config.run()) ? "as multi-tensor engine calls" : "per tensor");
        student.initializeWeights(root, config.seed());
        teacher.initializeWeights(root, config.seed());
        // The teacher starts as a copy of the student and never receives gradients (official train_dino).
        teacher.loadStateDict(stateValues(student), true);
        teacher.stateDict().values().forEach(p -> p.freeze(true));

        int epochs = config.optim().epochs();
        double lr = config.optim().lr() * batch / 256.0;
        this.schedules = new TrainingSchedules(
                CosineSchedule.fromEpochs(lr, config.optim().minLr(), epochs, itersPerEpoch,
                        config.optim().warmupEpochs(), 0.0),
                CosineSchedule.fromEpochs(config.optim().weightDecay(), config.optim().weightDecayEnd(), epochs,
                        itersPerEpoch),
                CosineSchedule.fromEpochs(config.teacher().momentum(), config.teacher().finalMomentum(), epochs,
                        itersPerEpoch),
                new TeacherTemperatureSchedule(config.loss().warmupTeacherTemp(), config.loss().teacherTemp(),
                        config.loss().warmupTeacherTempEpochs(), epochs));
        this.objective = Objective.of(config, student.backbone().embedDim(), root);
        targetsByRole.put("cls", objective.clsTargets());
        if (objective.patchTargets() != null) {
            targetsByRole.put("patch", objective.patchTargets());
        }
        Path initFrom = config.model().initFrom();
        if (initialise && initFrom != null) {
            try {
                LOG.info("Starting from {}: {}", initFrom, InitFrom.apply(initFrom, student, teacher,
                        objective.clsTargets()));
            } catch (IOException e) {
                root.close();
                throw new UncheckedIOException(e.getMessage(), e);
            }
        }
        this.optimizer = new AdamW(ParameterGroups.of(student.trainableParameters()),
                config.optim().betas().beta1(), config.optim().betas().beta2(), config.optim().eps(), root,
                KernelChoice.foreach(config.run()));
        this.teacherUpdate = TeacherUpdate.of(config.teacher().update(), schedules.momentum(),
                KernelChoice.foreach(config.run()));
        int threads = JniUtils.getNumThreads();
        this.step = new DinoStep(student, teacher, objective, optimizer, teacherUpdate, schedules, 2,
                config.optim().clipGrad(), config.optim().freezeLastLayer(), config.seed())
                .useBatchParts(config.run().resolvedBatchParts(threads));
        int parts = step.batchParts();
        if (parts > 1 && student.backbone() instanceof VisionTransformer) {
            if (batch % parts != 0) {
                LOG.warn("run.batch_parts {} does not divide the batch size {}: every step runs whole; use a batch"
                        + " size that is a multiple of {}", parts, batch, parts);
            } else {
                LOG.info("Batch parts: {} (the ViT backbones run on parts of the batch in parallel threads, {} intra-op"
                        + " thread(s) each)", parts, Math.max(1, threads / parts));
            }
            if (parts > threads) {
                LOG.warn("run.batch_parts {} is more than the {} intra-op threads: {} threads run at once", parts,
                        threads, parts);
            }
        }
        int workers = DataFactory.workers(config.data());
        this.loader = MultiCropLoader.builder()
                .setDataset(trainSet)
                .setAugmentation(new MultiCropAugmentation(DataFactory.augmentation(config.crops())))
                .setBatchSize(batch)
                .optWorkers(workers)
                .optPrefetchBatches(config.data().prefetchBatches())
                .optSeed(config.seed())
                .build();
        LOG.info("DINO run in {}: {} training images, {} iterations per epoch, {} epochs, student {} parameters "
                        + "({} trainable)", runDir, trainSet.size(), itersPerEpoch, epochs,
                student.parameterCount(false), student.parameterCount(true));
    }

    /**
     * Continues the run in {@code runDir} from its latest checkpoint.
     *
     * @param runDir the run directory holding {@code checkpoint.zip}
     * @param config the configuration, or null to use the one stored in the checkpoint
     * @return a trainer positioned where the checkpoint left off
     */
    public static DinoTrainer resume(Path runDir, DinoConfig config) {
        Path file = runDir.resolve(TrainingCheckpoint.LATEST);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("cannot resume: " + file + " does not exist (a run directory written "
                    + "by 'dino train' holds checkpoint.zip after its first epoch)");
        }
        DinoConfig c = config != null ? config : ConfigLoader.loadResolved(runDir, List.of());
        DinoTrainer t = new DinoTrainer(c, runDir, false);
        try {
            t.position = TrainingCheckpoint.restore(file, t.student, t.teacher, t.optimizer, t.targetsByRole,
                    t.root);
        } catch (IOException e) {
            t.close();
            throw new UncheckedIOException("cannot resume from " + file + ": " + e.getMessage(), e);
        }
        LOG.info("resumed from {} at epoch {}, batch {}, iteration {}", file, t.position.epoch(),
                t.position.batchInEpoch(), t.position.iteration());
        return t;
    }

    /** Trains to the configured number of epochs. */
    public void run() {
        runUntil(Long.MAX_VALUE);
    }

    /**
     * Trains until {@code maxIteration} global iterations have run (or the configured epochs end), then writes a
     * checkpoint: a run stopped this way resumes exactly where it stopped.
     *
     * @param maxIteration stop before this global iteration
     */
    public void runUntil(long maxIteration) {
        int epochs = config.optim().epochs();
        List<Integer> knnEpochs = config.eval().knnEpochs();
        try (MetricsLog metrics = new MetricsLog(runDir)) {
            if (position.iteration() == 0 && position.batchInEpoch() == 0 && knnEpochs.contains(0)) {
                evaluate(0, metrics);
            }
            while (position.epoch() < epochs && position.iteration() < maxIteration) {
                int epoch = position.epoch();
                boolean finished = trainEpoch(epoch, maxIteration, metrics);
                if (!finished) {
                    saveCheckpoint();
                    return;
                }
                teacherUpdate.afterEpoch(student.parameters(), teacher.parameters(), epoch);
                position = new TrainingCheckpoint.Position(epoch + 1, 0, position.iteration());
                if ((epoch + 1) % config.run().checkpointEvery() == 0 || epoch + 1 == epochs) {
                    saveCheckpoint();
                }
                if (knnEpochs.contains(epoch + 1)) {
                    evaluate(epoch + 1, metrics);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean trainEpoch(int epoch, long maxIteration, MetricsLog metrics) {
        int first = position.batchInEpoch();
        long windowStart = System.nanoTime();
        int windowImages = 0;
        double lossSum = 0;
        int lossCount = 0;
        try (MultiCropLoader.Epoch batches = loader.epoch(epoch, first);
             Progress.Bar bar = Progress.start("epoch " + (epoch + 1) + "/" + config.optim().epochs(), // [progress]
                     itersPerEpoch, first, "it", null)) {
            for (int b = first; b < itersPerEpoch; b++) {
                if (position.iteration() >= maxIteration || stopRequested) { // [progress/stop]
                    return false;
                }
                MultiCropBatch batch = batches.next();
                long it = position.iteration();
                StepResult r;
                try (NDManager scope = root.newSubManager()) {
                    List<NDArray> crops = new ArrayList<>(batch.crops().size());
                    for (int c = 0; c < batch.crops().size(); c++) {
                        CropTensor crop = batch.crops().get(c);
                        crops.add(staging.upload(scope, c, crop.data(), new Shape(crop.shape())));
                    }
                    loader.recycle(batch); // the values are in engine arrays now
                    r = step.run(crops, it, epoch, new SplittableRandom(mix(config.seed(), it)), scope);
                }
                position = new TrainingCheckpoint.Position(epoch, b + 1, it + 1);
                windowImages += batch.size();
                lossSum += r.loss();
                lossCount++;
                bar.step(batch.size(), r.loss()); // [progress]
                if ((it + 1) % config.run().logEvery() == 0 || b + 1 == itersPerEpoch) {
                    double seconds = (System.nanoTime() - windowStart) / 1e9;
                    double ips = windowImages / Math.max(seconds, 1e-9);
                    LoaderStats ls = loader.stats();
                    metrics.train(r, ips, ls.augmentImagesPerSecond());
                    // [progress] bar.log: info without a bar, debug while a bar shows the same figures
                    bar.log(LOG, String.format("epoch %d it %d/%d (global %d) loss %.4f (avg %.4f) lr %.3g wd %.3g "
                                    + "m %.5f T %.3f | %.1f img/s, %.0f ms/step, augment %.0f img/s",
                            epoch, b + 1, itersPerEpoch, it + 1, r.loss(), lossSum / lossCount, r.lr(),
                            r.weightDecay(), r.momentum(), r.teacherTemperature(), ips,
                            1000 * seconds / Math.max(1, lossCount), ls.augmentImagesPerSecond()));
                    windowStart = System.nanoTime();
                    windowImages = 0;
                    lossSum = 0;
                    lossCount = 0;
                }
            }
        }
        return true;
    }

    /**
     * k-NN accuracy of the teacher backbone (k from {@code eval.knn_k}, temperature {@code eval.knn_temperature}).
     *
     * @return top-1 accuracy in percent per k, or an empty map when no evaluation data is configured
     */
    public Map<Integer, Double> knn() {
        if (evalSets == null) {
            return Map.of();
        }
        int[] ks = config.eval().knnK().stream().mapToInt(Integer::intValue).toArray();
        try (NDManager scope = root.newSubManager();
             Progress.Bar bar = Progress.start("k-NN features", // [progress]
                     (long) evalSets.bank().size() + evalSets.queries().size(), 0, "img", LOG)) {
            var norm = DataFactory.normalization(config.crops());
            NDArray bank = FeatureExtractor.extract(teacher.backbone(), bar.track(evalSets.bank()), norm, EVAL_BATCH,
                    scope); // [progress] bar.track
            NDArray queries = FeatureExtractor.extract(teacher.backbone(), bar.track(evalSets.queries()), norm,
                    EVAL_BATCH, scope); // [progress] bar.track
            List<KnnClassifier.Accuracy> acc = KnnClassifier.evaluate(bank, FeatureExtractor.labels(evalSets.bank()),
                    queries, FeatureExtractor.labels(evalSets.queries()), evalSets.bank().classNames().size(), ks,
                    config.eval().knnTemperature());
            Map<Integer, Double> out = new LinkedHashMap<>();
            acc.forEach(a -> out.put(a.k(), a.top1()));
            return out;
        }
    }

    private void evaluate(int epoch, MetricsLog metrics) {
        long t0 = System.nanoTime();
        Map<Integer, Double> r = knn();
        if (r.isEmpty()) {
            return;
        }
        knnHistory.put(epoch, r);
        metrics.eval(epoch, r);
        StringBuilder sb = new StringBuilder();
        r.forEach((k, v) -> sb.append(String.format(" k=%d %.2f%%", k, v)));
        LOG.info("k-NN after epoch {} (teacher backbone):{} ({} s)", epoch, sb,
                String.format("%.1f", (System.nanoTime() - t0) / 1e9));
    }

    /**
     * Asks a running {@link #runUntil} to stop after the current step and write a checkpoint, so that the run resumes
     * exactly there; safe to call from another thread (a Ctrl-C handler). [progress/stop]
     */
    public void requestStop() {
        stopRequested = true;
    }

    /** Whether {@link #requestStop()} was called. [progress/stop] */
    public boolean stopRequested() {
        return stopRequested;
    }

    /** Writes the latest checkpoint now. */
    public void saveCheckpoint() {
        try {
            Map<String, String> prov = new LinkedHashMap<>();
            prov.put("djl", Engine.getDjlVersion());
            prov.put("pytorch", Engine.getInstance().getVersion());
            prov.put("seed", Long.toString(config.seed()));
            TrainingCheckpoint.save(runDir.resolve(TrainingCheckpoint.LATEST), student, teacher, optimizer,
                    targetsByRole, position, resolvedYaml, prov);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write checkpoint in " + runDir + ": " + e.getMessage(), e);
        }
    }

    /** The k-NN results so far, by epoch. */
    public Map<Integer, Map<Integer, Double>> knnHistory() {
        return knnHistory;
    }

    /** Where training stands. */
    public TrainingCheckpoint.Position position() {
        return position;
    }

    /** The student network. */
    public MultiCropNetwork student() {
        return student;
    }

    /** The teacher network. */
    public MultiCropNetwork teacher() {
        return teacher;
    }

    /** The objective (teacher-target methods, loss terms) of this run. */
    public Objective objective() {
        return objective;
    }

    /** The iterations per epoch of this run. */
    public int iterationsPerEpoch() {
        return itersPerEpoch;
    }

    /** The configuration. */
    public DinoConfig config() {
        return config;
    }

    /** The run directory. */
    public Path runDirectory() {
        return runDir;
    }

    private static Map<String, NDArray> stateValues(MultiCropNetwork net) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        net.stateDict().forEach((k, p) -> out.put(k, p.getArray()));
        return out;
    }

    /**
     * Prepares the native runtime for training (see {@link NativeRuntime}) and sets the intra-op thread count.
     *
     * @param threads intra-op threads, 0 = one per core
     */
    public static void configureThreads(int threads) {
        NativeRuntime.configure(threads);
    }

    private static long mix(long seed, long iteration) {
        long z = seed * 0x9E3779B97F4A7C15L + iteration * 0xBF58476D1CE4E5B9L + 0x94D049BB133111EBL;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** {@inheritDoc} */
    @Override
    public void close() {
        loader.close();
        step.close();
        optimizer.close();
        root.close();
    }
}
