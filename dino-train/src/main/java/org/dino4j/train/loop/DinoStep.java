package org.dino4j.train.loop;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import org.dino4j.core.loss.DinoClsLoss;
import org.dino4j.core.target.TeacherTargets;
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
 * One DINO iteration in the official order: schedules; teacher forward on the global crops; student forward on all
 * crops; DINO loss against centred and sharpened teacher targets; centre update; zero grad, backward; per-tensor
 * clipping; the last layer's gradient cancelled while it is frozen; AdamW; teacher update.
 */
public final class DinoStep {

    private final MultiCropNetwork student;
    private final MultiCropNetwork teacher;
    private final TeacherTargets targets;
    private final DinoClsLoss loss;
    private final AdamW optimizer;
    private final TeacherUpdate teacherUpdate;
    private final TrainingSchedules schedules;
    private final int globalCrops;
    private final double clipGrad;
    private final int freezeLastLayerEpochs;
    private final LinkedHashMap<String, Parameter> studentParams;
    private final LinkedHashMap<String, Parameter> teacherParams;
    private final Set<String> lastLayer;

    /**
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
        this.student = student;
        this.teacher = teacher;
        this.targets = targets;
        this.loss = loss;
        this.optimizer = optimizer;
        this.teacherUpdate = teacherUpdate;
        this.schedules = schedules;
        this.globalCrops = globalCrops;
        this.clipGrad = clipGrad;
        this.freezeLastLayerEpochs = freezeLastLayerEpochs;
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

        AdamW.zeroGradients(optimizer.groups().all().values());
        double lossValue;
        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            // The teacher has no trainable parameters, so no graph is recorded for it.
            NDArray teacherLogits = teacher.forward(crops.subList(0, globalCrops), true, null).logits();
            MultiCropNetwork.Output out = student.forward(crops, true, rng);
            NDArray q = targets.probabilities(teacherLogits, temperature);
            NDArray l = loss.forward(out.logits(), q);
            lossValue = l.getFloat();
            if (!Double.isFinite(lossValue)) {
                throw new NonFiniteLossException(iteration, epoch, lossValue);
            }
            targets.update(teacherLogits);
            gc.backward(l);
        }
        GradientClipping.clipPerTensor(optimizer.groups().all(), clipGrad, scope);
        Set<String> frozen = epoch < freezeLastLayerEpochs ? lastLayer : Set.of();
        teacherUpdate.beforeOptimizerStep(studentParams, teacherParams, iteration);
        optimizer.step(lr, wd, frozen);
        teacherUpdate.afterOptimizerStep(studentParams, teacherParams, iteration);
        return new StepResult(iteration, epoch, lossValue, lr, wd, momentum, temperature);
    }
}
