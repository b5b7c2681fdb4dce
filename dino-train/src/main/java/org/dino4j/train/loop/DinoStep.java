package org.dino4j.train.loop;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import org.dino4j.core.loss.DinoClsLoss;
import org.dino4j.core.loss.DinoV2ClsLoss;
import org.dino4j.core.loss.IbotPatchLoss;
import org.dino4j.core.masking.BatchMasks;
import org.dino4j.core.nn.DinoBlock;
import org.dino4j.core.target.SinkhornKnopp;
import org.dino4j.core.target.TeacherTargets;
import org.dino4j.train.config.ObjectiveMethod;
import org.dino4j.train.objective.Objective;
import org.dino4j.train.objective.StepOutputs;
import org.dino4j.train.objective.WeightedTerm;
import org.dino4j.train.model.MultiCropNetwork;
import org.dino4j.train.optim.AdamW;
import org.dino4j.train.optim.GradientClipping;
import org.dino4j.train.teacher.EmaTeacher;
import org.dino4j.train.teacher.TeacherUpdate;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * One training iteration in the official order: schedules; teacher forward on the global crops; student forward on
 * all crops (global crops masked when iBOT is on); the CLS loss against the teacher targets (DINO: centred and
 * sharpened, pairs of different views; DINOv2: teacher crops swapped, official scaling, centring or Sinkhorn-Knopp);
 * the iBOT masked-patch loss; extra terms (KoLeo, user terms); explicit state updates (centres); zero grad,
 * backward; per-tensor clipping; the last layer's gradient cancelled while it is frozen; AdamW; teacher update.
 */
public final class DinoStep implements AutoCloseable {

    private final MultiCropNetwork student;
    private final MultiCropNetwork teacher;
    private final Objective objective;
    private final DinoClsLoss dinoLoss;
    private final DinoV2ClsLoss dinoV2Loss;
    private final IbotPatchLoss ibotLoss;
    private final AdamW optimizer;
    private final TeacherUpdate teacherUpdate;
    private final TrainingSchedules schedules;
    private final int globalCrops;
    private final double clipGrad;
    private final int freezeLastLayerEpochs;
    private final LinkedHashMap<String, Parameter> studentParams;
    private final LinkedHashMap<String, Parameter> teacherParams;
    private final Set<String> lastLayer;
    private final long maskSeed;
    private BatchParts batchParts;

    /**
     * The DINO v1 step (the official {@code train_one_epoch}).
     *
     * @param student the student network
     * @param teacher the teacher network (same architecture, no gradients)
     * @param targets the teacher-target method (centring and sharpening)
     * @param loss the cross-view loss
     * @param optimizer AdamW over the student's trainable parameters
     * @param teacherUpdate how the teacher follows the student
     * @param schedules lr, wd, momentum, teacher temperature
     * @param globalCrops number of global crops (the first crops of each batch; 2 in DINO)
     * @param clipGrad per-tensor clipping threshold, 0 disables
     * @param freezeLastLayerEpochs epochs during which parameters named {@code *last_layer*} are not updated
     */
    public DinoStep(MultiCropNetwork student, MultiCropNetwork teacher, TeacherTargets targets, DinoClsLoss loss,
                    AdamW optimizer, TeacherUpdate teacherUpdate, TrainingSchedules schedules, int globalCrops,
                    double clipGrad, int freezeLastLayerEpochs) {
        this(student, teacher, Objective.dino(targets, loss.studentTemperature()), optimizer, teacherUpdate,
                schedules, globalCrops, clipGrad, freezeLastLayerEpochs, 0L);
    }

    /**
     * A step with any objective (DINO, DINOv2, or parts of them).
     *
     * @param student the student network (with a mask token and patch head when iBOT is on)
     * @param teacher the teacher network
     * @param objective the objective
     * @param optimizer AdamW over the student's trainable parameters
     * @param teacherUpdate how the teacher follows the student
     * @param schedules lr, wd, momentum, teacher temperature
     * @param globalCrops number of global crops (2)
     * @param clipGrad per-tensor clipping threshold, 0 disables
     * @param freezeLastLayerEpochs epochs during which parameters named {@code *last_layer*} are not updated
     * @param maskSeed seed of the iBOT masks (the masks of iteration t depend only on it and t)
     */
    public DinoStep(MultiCropNetwork student, MultiCropNetwork teacher, Objective objective, AdamW optimizer,
                    TeacherUpdate teacherUpdate, TrainingSchedules schedules, int globalCrops, double clipGrad,
                    int freezeLastLayerEpochs, long maskSeed) {
        if (objective.method() == ObjectiveMethod.DINOV2 && globalCrops != DinoV2ClsLoss.GLOBAL_CROPS) {
            throw new IllegalArgumentException("the DINOv2 loss needs exactly 2 global crops, got " + globalCrops);
        }
        this.student = student;
        this.teacher = teacher;
        this.objective = objective;
        this.dinoLoss = new DinoClsLoss(objective.studentTemperature(), globalCrops);
        this.dinoV2Loss = new DinoV2ClsLoss(objective.studentTemperature());
        this.ibotLoss = new IbotPatchLoss(objective.studentTemperature());
        this.optimizer = optimizer;
        this.teacherUpdate = teacherUpdate;
        this.schedules = schedules;
        this.globalCrops = globalCrops;
        this.clipGrad = clipGrad;
        this.freezeLastLayerEpochs = freezeLastLayerEpochs;
        this.maskSeed = maskSeed;
        this.studentParams = student.parameters();
        this.teacherParams = teacher.parameters();
        TreeSet<String> ll = new TreeSet<>();
        for (String name : studentParams.keySet()) {
            if (name.contains("last_layer")) {
                ll.add(name);
            }
        }
        this.lastLayer = ll;
    }

    /**
     * Runs one iteration.
     *
     * @param crops the crops of one batch, each [B, C, H, W], global crops first, all in {@code scope}
     * @param iteration global iteration (0-based), indexes the per-iteration schedules
     * @param epoch epoch (0-based), indexes the teacher temperature and the last-layer freeze
     * @param rng randomness for the student's stochastic depth
     * @param scope the step's manager; everything this step creates is freed with it
     * @return the step's figures
     * @throws NonFiniteLossException if the loss is NaN or infinite (nothing has been updated then)
     */
    public StepResult run(List<NDArray> crops, long iteration, int epoch, SplittableRandom rng, NDManager scope) {
        double lr = schedules.lr().valueAt(iteration);
        double wd = schedules.weightDecay().valueAt(iteration);
        double temperature = schedules.teacherTemperature().valueAt(epoch);
        double momentum = teacherUpdate instanceof EmaTeacher ema ? ema.momentum().valueAt(iteration) : Double.NaN;
        int batch = Math.toIntExact(crops.get(0).getShape().get(0));
        List<NDArray> globals = crops.subList(0, globalCrops);

        NDArray masks = null;
        NDArray maskIndices = null;
        if (objective.ibot()) {
            BatchMasks bm = objective.masks().sampleBatch(globalCrops * batch, masksRandom(iteration));
            masks = scope.create(bm.toIntArray(), new Shape(bm.numImages(), bm.numPatches()));
            maskIndices = scope.create(toLongs(bm.maskIndices()));
        }

        optimizer.zeroGradients(scope);
        double lossValue;
        BatchParts.Forward parted = null;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            MultiCropNetwork.Output t;
            MultiCropNetwork.Output s;
            if (batchParts != null && batchParts.applies(student, crops)) {
                parted = batchParts.forward(student, teacher, crops, globalCrops, masks, objective.ibot(), rng);
                t = teacher.withLogits(parted.teacher(), true);
                s = student.withLogits(parted.student(), true);
            } else {
                // The teacher has no trainable parameters, so no graph is recorded for it.
                t = teacher.forward(globals, null, objective.ibot(), true, null);
                s = student.forward(crops, masks, objective.ibot(), true, rng);
            }
            NDArray teacherLogits = t.logits();

            NDArray targets;
            NDArray loss;
            if (objective.method() == ObjectiveMethod.DINO) {
                targets = objective.clsTargets().probabilities(teacherLogits, temperature);
                loss = dinoLoss.forward(s.logits(), targets);
            } else {
                // DINOv2 matches student crop A with teacher crop B: swap the teacher's global halves.
                targets = objective.clsTargets().probabilities(DinoV2ClsLoss.swapGlobalCrops(teacherLogits),
                        temperature);
                long g = (long) globalCrops * batch;
                NDArray studentGlobal = s.logits().get(new NDIndex("0:{}", g));
                loss = crops.size() > globalCrops
                        ? dinoV2Loss.forward(studentGlobal, s.logits().get(new NDIndex("{}:", g)), targets).sum()
                        : dinoV2Loss.forward(studentGlobal, targets).sum();
            }

            NDArray teacherPatchLogits = null;
            if (objective.ibot()) {
                NDArray sPatch = student.patchHead().forward(
                        IbotPatchLoss.selectMasked(s.firstGroupPatchTokens(), maskIndices), true);
                teacherPatchLogits = teacher.patchHead().forward(
                        IbotPatchLoss.selectMasked(t.firstGroupPatchTokens(), maskIndices), true);
                long masked = maskIndices.getShape().get(0);
                NDArray patchTargets = objective.patchTargets() instanceof SinkhornKnopp sk
                        ? sk.probabilities(teacherPatchLogits, temperature, masked)
                        : objective.patchTargets().probabilities(teacherPatchLogits, temperature);
                NDArray patchLoss = ibotLoss.forwardMasked(sPatch, patchTargets, masks);
                loss = loss.add(patchLoss.mul(DinoBlock.constant(patchLoss, (float) objective.ibotWeight())));
            }

            StepOutputs outputs = new StepOutputs(s.cls(), s.logits(), teacherLogits, targets, globalCrops, batch,
                    epoch, iteration);
            for (WeightedTerm term : objective.terms()) {
                // a float factor keeps the 0-d float32 loss float32 (a double would promote it to float64); a
                // constant in the scope rather than a Java number, which backward would read from freed memory
                NDArray value = term.term().compute(outputs);
                loss = loss.add(value.mul(DinoBlock.constant(value, (float) term.weight())));
            }

            lossValue = loss.getFloat();
            if (!Double.isFinite(lossValue)) {
                throw new NonFiniteLossException(iteration, epoch, lossValue);
            }
            objective.clsTargets().update(teacherLogits);
            if (teacherPatchLogits != null) {
                objective.patchTargets().update(teacherPatchLogits);
            }
            for (WeightedTerm term : objective.terms()) {
                term.term().afterStep(outputs);
            }
            gc.backward(loss);
        }
        if (parted != null) {
            // the backward pass above stopped at the parts' outputs; each part continues through its backbone
            batchParts.backward(parted);
        }
        GradientClipping.clipPerTensor(optimizer.groups().all(), clipGrad, scope, optimizer.foreach());
        Set<String> frozen = epoch < freezeLastLayerEpochs ? lastLayer : Set.of();
        teacherUpdate.beforeOptimizerStep(studentParams, teacherParams, iteration);
        optimizer.step(lr, wd, frozen);
        teacherUpdate.afterOptimizerStep(studentParams, teacherParams, iteration);
        return new StepResult(iteration, epoch, lossValue, lr, wd, momentum, temperature);
    }

    /**
     * Runs the ViT backbones of later steps on {@code parts} equal parts of the batch in parallel threads, each with
     * its share of the intra-op threads ({@link BatchParts}); the heads, the loss and the updates stay whole. The
     * result differs from the whole batch's only by float rounding, except that with stochastic depth each part draws
     * its drop decisions from its own split of the step's generator (the same distribution, other draws; DINOv2's
     * subset mode splits only where the parts skip as many samples per branch as the whole batch would, up to one per
     * part). The number of parts is part of what makes a run reproducible. Batches that do not divide into the
     * parts, and backbones other than a ViT, still run whole.
     *
     * @param parts the number of parts; 1 turns it off
     * @return this step
     * @throws IllegalArgumentException if {@code parts} is below 1
     */
    public DinoStep useBatchParts(int parts) {
        if (parts < 1) {
            throw new IllegalArgumentException("batch parts must be 1 (off) or more, got " + parts);
        }
        close();
        batchParts = parts == 1 ? null : new BatchParts(parts);
        return this;
    }

    /** The number of batch parts in use (1 when off). */
    public int batchParts() {
        return batchParts == null ? 1 : batchParts.parts();
    }

    /** Stops the helper threads of the batch parts, if any (idle ones also end by themselves after a minute). */
    @Override
    public void close() {
        if (batchParts != null) {
            batchParts.close();
            batchParts = null;
        }
    }

    private SplittableRandom masksRandom(long iteration) {
        return new SplittableRandom(maskSeed * 0x9E3779B97F4A7C15L + iteration * 0xD1B54A32D192ED03L + 0x5DEECE66DL);
    }

    private static long[] toLongs(int[] a) {
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i];
        }
        return out;
    }
}
