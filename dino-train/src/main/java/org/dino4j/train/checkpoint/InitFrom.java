package org.dino4j.train.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import org.dino4j.core.backbone.Backbone;
import org.dino4j.core.backbone.ResNet;
import org.dino4j.core.backbone.VisionTransformer;
import org.dino4j.core.backbone.VitConfig;
import org.dino4j.core.interop.DinoTrainingCheckpoint;
import org.dino4j.core.interop.OfficialCheckpoints;
import org.dino4j.core.interop.Strictness;
import org.dino4j.core.interop.TrainingRole;
import org.dino4j.core.io.PthReader;
import org.dino4j.core.io.TorchTensor;
import org.dino4j.core.target.CenteringSharpening;
import org.dino4j.core.target.TeacherTargets;
import org.dino4j.train.model.MultiCropNetwork;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Starts a run from released or earlier weights ({@code model.init_from}, {@code dino train --init-from}) instead
 * of a random initialisation.
 *
 * <ul>
 *   <li>An official DINO training checkpoint ({@code checkpoint.pth} of {@code main_dino.py}, or a released
 *       {@code *_full_checkpoint.pth}): student and teacher, backbones and heads, load by name, and the DINO centre
 *       is restored when the run uses centring. Training starts at epoch 0 of the new run's schedules; the optimizer
 *       moments are not carried over.</li>
 *   <li>Backbone weights (released DINO / DINOv2 ViTs and ResNets, a DINOv2 training checkpoint's teacher, a
 *       safetensors export): student and teacher backbones start from them, the heads keep their fresh seeded
 *       initialisation.</li>
 * </ul>
 *
 * <p>Every name must match: a missing, unexpected or mis-shaped tensor is an error that lists them and describes the
 * architecture found in the file, so that the configuration can be corrected. The one exception is DINOv2's
 * {@code mask_token}, which DINO weights lack: when the run's ViT has one (iBOT), it keeps its initialisation.
 */
public final class InitFrom {

    private InitFrom() {}

    /**
     * Loads the weights of {@code file} into a freshly initialised student and teacher.
     *
     * @param file a {@code .pth} or {@code .safetensors} file
     * @param student the student (initialised)
     * @param teacher the teacher (initialised, a copy of the student)
     * @param clsTargets the CLS teacher-target method (its centre is restored from a DINO training checkpoint)
     * @return a one-line description of what was loaded, for the log
     * @throws IOException if the file cannot be read or does not fit the configured model
     */
    public static String apply(Path file, MultiCropNetwork student, MultiCropNetwork teacher,
                               TeacherTargets clsTargets) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("model.init_from = " + file + " is not a file (give an official DINO checkpoint"
                    + " .pth, backbone weights .pth, or a .safetensors export)");
        }
        try {
            if (file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".safetensors")) {
                return fromSafetensors(file, student, teacher);
            }
            Object root = PthReader.read(file);
            if (OfficialCheckpoints.isDinoTraining(root)) {
                return fromDinoTraining(OfficialCheckpoints.dinoTraining(root), student, teacher, clsTargets);
            }
            LinkedHashMap<String, TorchTensor> backbone = OfficialCheckpoints.backbone(root, TrainingRole.TEACHER);
            String note = loadBackbone(student.backbone(), backbone);
            loadBackbone(teacher.backbone(), backbone);
            return "backbone weights (" + backbone.size() + " tensors) into student and teacher; fresh heads" + note;
        } catch (IllegalArgumentException e) {
            throw new IOException("cannot start from " + file + ": " + e.getMessage(), e);
        }
    }

    private static String fromDinoTraining(DinoTrainingCheckpoint c, MultiCropNetwork student,
                                           MultiCropNetwork teacher, TeacherTargets clsTargets) {
        String note = loadBackbone(student.backbone(), c.studentBackbone());
        loadBackbone(teacher.backbone(), c.teacherBackbone());
        loadHead("student", student, c.studentHead());
        loadHead("teacher", teacher, c.teacherHead());
        String centre;
        if (c.center() == null) {
            centre = "no centre in the checkpoint";
        } else if (clsTargets instanceof CenteringSharpening cs) {
            if (c.center().numel() != cs.numPrototypes()) {
                throw new IllegalArgumentException("dino_loss.center has " + c.center().numel()
                        + " values but the head has " + cs.numPrototypes() + " prototypes (model.head.out_dim)");
            }
            cs.setCenter(c.center().floats());
            centre = "centre restored";
        } else {
            centre = "centre not used (objective.teacher_targets is not centering)";
        }
        return "DINO training checkpoint of epoch " + c.epoch() + ": student and teacher backbones and heads, "
                + centre + (student.patchHead() != student.head() ? "; fresh iBOT heads" : "")
                + "; new schedules from epoch 0, fresh optimizer moments" + note;
    }

    private static String fromSafetensors(Path file, MultiCropNetwork student, MultiCropNetwork teacher)
            throws IOException {
        LinkedHashMap<String, TorchTensor> all = OfficialCheckpoints.readSafetensors(file);
        boolean wrapped = all.keySet().stream().anyMatch(k -> k.startsWith("backbone."));
        LinkedHashMap<String, TorchTensor> backbone = wrapped ? OfficialCheckpoints.withPrefix(all, "backbone.")
                : all;
        String note = loadBackbone(student.backbone(), backbone);
        loadBackbone(teacher.backbone(), backbone);
        LinkedHashMap<String, TorchTensor> head = OfficialCheckpoints.withPrefix(all, "head.");
        if (wrapped && !head.isEmpty()) {
            loadHead("student", student, head);
            loadHead("teacher", teacher, head);
            return "a network export (backbone and head) into student and teacher" + note;
        }
        return "backbone weights (" + backbone.size() + " tensors) into student and teacher; fresh heads" + note;
    }

    private static void loadHead(String role, MultiCropNetwork network, Map<String, TorchTensor> tensors) {
        try {
            OfficialCheckpoints.load(network.head().block(), tensors, Strictness.STRICT);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the " + role + " head does not match model.head: " + e.getMessage(),
                    e);
        }
    }

    /**
     * Loads backbone tensors strictly. DINOv2's {@code mask_token} is the one tensor allowed to differ: the run's
     * ViT keeps its fresh one when the file has none (DINO weights in an iBOT run), and the file's is left out when
     * the run has none (DINOv2 weights without iBOT).
     *
     * @return a note on the mask token for the log, or ""
     */
    static String loadBackbone(Backbone backbone, Map<String, TorchTensor> tensors) {
        LinkedHashMap<String, TorchTensor> named = new LinkedHashMap<>(tensors);
        LinkedHashMap<String, Parameter> own = backbone.block().stateDict();
        String note = "";
        if (own.containsKey("mask_token") && !named.containsKey("mask_token")) {
            NDArray m = own.get("mask_token").getArray();
            named.put("mask_token", TorchTensor.ofFloats(m.toFloatArray(), m.getShape().getShape()));
            note = "; fresh mask_token (the file has none)";
        } else if (!own.containsKey("mask_token") && named.remove("mask_token") != null) {
            note = "; the file's mask_token not used (no iBOT in this run)";
        }
        try {
            OfficialCheckpoints.load(backbone.block(), named, Strictness.STRICT);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage() + ". The file holds " + describe(tensors)
                    + "; the configuration builds " + describe(backbone), e);
        }
        return note;
    }

    /** The architecture that backbone tensors describe, in the configuration's terms. */
    static String describe(Map<String, TorchTensor> tensors) {
        try {
            if (OfficialCheckpoints.isResNet(tensors)) {
                return "a ResNet-" + OfficialCheckpoints.resNet(tensors).depth()
                        + " (model.backbone.type: resnet, depth: " + OfficialCheckpoints.resNet(tensors).depth()
                        + ")";
            }
            VisionTransformer.Builder b = OfficialCheckpoints.vitBuilder(tensors);
            VitConfig v;
            try {
                v = b.config();
            } catch (IllegalArgumentException e) {
                v = b.setNumHeads(1).config();
            }
            return "a ViT " + vit(v);
        } catch (IllegalArgumentException e) {
            List<String> names = new ArrayList<>(tensors.keySet());
            return "no recognisable backbone (" + e.getMessage() + "; first names "
                    + names.subList(0, Math.min(5, names.size())) + ")";
        }
    }

    private static String describe(Backbone backbone) {
        if (backbone instanceof VisionTransformer v) {
            return "a ViT " + vit(v.config());
        }
        if (backbone instanceof ResNet r) {
            return "a ResNet-" + r.depth();
        }
        return backbone.getClass().getSimpleName();
    }

    private static String vit(VitConfig v) {
        return String.format(Locale.ROOT, "(image_size: %d, patch_size: %d, embed_dim: %d, depth: %d, mlp_ratio: %s, "
                        + "qkv_bias: %b, num_register_tokens: %d, layer_scale: %s, ffn: %s)", v.imageSize(),
                v.patchSize(), v.embedDim(), v.depth(), v.mlpRatio(), v.qkvBias(), v.numRegisterTokens(),
                v.layerScaleInit() > 0 ? "on" : "0", v.ffn().name().toLowerCase(Locale.ROOT));
    }
}
