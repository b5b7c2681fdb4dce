package org.dino4j.train.config;

import java.util.ArrayList;
import java.util.List;

/**
 * Constraints between configuration values, checked once after binding. Each message names both keys with their
 * values and the layers they came from, and says what would be valid.
 */
final class ConfigChecks {

    private final LayeredTree tree;

    private ConfigChecks(LayeredTree tree) {
        this.tree = tree;
    }

    static void check(DinoConfig c, LayeredTree tree) {
        new ConfigChecks(tree).checkAll(c);
    }

    /**
     * Registered names are resolved here, at load time, so that a typo fails before any work starts; the objective
     * parts that need a batch of at least 2 are checked too.
     */
    private void checkObjective(DinoConfig c) {
        ObjectiveConfig o = c.objective();
        try {
            org.dino4j.train.objective.TeacherTargetsProvider.registry().get(o.teacherTargets(),
                    "objective.teacher_targets");
            org.dino4j.train.model.ProjectionHeadProvider.registry().get(c.model().head().type(),
                    "model.head.type");
            var terms = org.dino4j.train.objective.LossTermProvider.registry();
            for (int i = 0; i < o.extraTerms().size(); i++) {
                terms.get(o.extraTerms().get(i).type(), "objective.extra_terms[" + i + "].type");
            }
        } catch (IllegalArgumentException e) {
            throw new ConfigException(e.getMessage());
        }
        if (o.koleoWeight() > 0 && c.optim().batchSize() < 2) {
            throw new ConfigException("Inconsistent configuration: KoLeo (objective.koleo_weight = " + o.koleoWeight()
                    + ") needs a nearest neighbour, so optim.batch_size must be at least 2, got "
                    + c.optim().batchSize());
        }
        if (o.ibotEnabled() && c.model().backbone().type() != BackboneType.VIT) {
            throw new ConfigException("Inconsistent configuration: iBOT (objective.ibot_weight = " + o.ibotWeight()
                    + ") needs a ViT backbone (masked patch tokens), got model.backbone.type = "
                    + c.model().backbone().type().configName());
        }
    }

    private void checkPrecision(DinoConfig c) {
        if (c.run().precision() != Precision.BF16) {
            return;
        }
        if (c.run().kernels() != KernelsType.FUSED) {
            throw new ConfigException("Inconsistent configuration: " + ref("run.precision", "bf16") + " runs through the"
                    + " fused kernels, but " + ref("run.kernels", c.run().kernels().configName())
                    + "; use run.kernels: fused, or run.precision: fp32");
        }
        if (c.model().backbone().type() != BackboneType.VIT) {
            throw new ConfigException("Inconsistent configuration: " + ref("run.precision", "bf16") + " covers a ViT's"
                    + " linear layers and attention; a ResNet (" + ref("model.backbone.type", "resnet")
                    + ") has neither, so it would run in float32 anyway; use run.precision: fp32");
        }
    }

    private void checkAll(DinoConfig c) {
        BackboneConfig backbone = c.model().backbone();
        if (backbone.type() == BackboneType.VIT) {
            int patch = backbone.patchSize();
            // the patch-embedding convolution has stride p: a crop that is not a multiple of p would lose its border
            divisible("model.backbone.image_size", backbone.imageSize(), "model.backbone.patch_size", patch);
            divisible("crops.global_size", c.crops().globalSize(), "model.backbone.patch_size", patch);
            if (c.crops().localCount() > 0) {
                divisible("crops.local_size", c.crops().localSize(), "model.backbone.patch_size", patch);
            }
            divisible("model.backbone.embed_dim", backbone.embedDim(), "model.backbone.num_heads",
                    backbone.numHeads());
        } else if (!isResNetDepth(backbone.depth())) {
            throw new ConfigException("Inconsistent configuration: " + ref("model.backbone.depth", backbone.depth())
                    + " is not a ResNet depth (" + ref("model.backbone.type", "resnet") + "); use 18, 34, 50, 101 "
                    + "or 152");
        }
        checkObjective(c);
        checkPrecision(c);

        int epochs = c.optim().epochs();
        atMostEpochs("optim.freeze_last_layer", c.optim().freezeLastLayer(), epochs, "the last layer would never train");
        atMostEpochs("optim.warmup_epochs", c.optim().warmupEpochs(), epochs,
                "the learning rate would never reach its peak");
        atMostEpochs("loss.warmup_teacher_temp_epochs", c.loss().warmupTeacherTempEpochs(), epochs,
                "the teacher temperature would never reach loss.teacher_temp");

        List<Integer> knnEpochs = c.eval().knnEpochs();
        for (int i = 0; i < knnEpochs.size(); i++) {
            if (knnEpochs.get(i) > epochs) {
                throw new ConfigException("Inconsistent configuration: eval.knn_epochs contains " + knnEpochs.get(i)
                        + " (from " + tree.sourceOf("eval.knn_epochs[" + i + "]") + "), after the last epoch: "
                        + ref("optim.epochs", epochs) + "; use epochs in [0, " + epochs + "]");
            }
        }
        EvalDataConfig evalData = c.data().eval();
        List<String> unset = new ArrayList<>();
        if (evalData.trainPath() == null) {
            unset.add("data.eval.train_path");
        }
        if (evalData.testPath() == null) {
            unset.add("data.eval.test_path");
        }
        if (!knnEpochs.isEmpty() && !unset.isEmpty()) {
            throw new ConfigException("Inconsistent configuration: " + ref("eval.knn_epochs", knnEpochs)
                    + " asks for k-NN evaluation, but " + String.join(" and ", unset) + (unset.size() == 1 ? " is" : " are")
                    + " not set; set " + (unset.size() == 1 ? "it" : "both") + " or use eval.knn_epochs: []");
        }
    }

    private static boolean isResNetDepth(int depth) {
        try {
            org.dino4j.core.backbone.ResNet.blockCounts(depth);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private void divisible(String key, int value, String divisorKey, int divisor) {
        if (value % divisor != 0) {
            int lower = value / divisor * divisor;
            String examples = (lower > 0 ? lower + " or " : "") + (lower + divisor);
            throw new ConfigException("Inconsistent configuration: " + ref(key, value) + " is not divisible by "
                    + ref(divisorKey, divisor) + "; use a multiple of " + divisor + ", e.g. " + examples);
        }
    }

    private void atMostEpochs(String key, int value, int epochs, String why) {
        if (value > epochs) {
            throw new ConfigException("Inconsistent configuration: " + ref(key, value) + " is greater than "
                    + ref("optim.epochs", epochs) + ", so " + why + "; use at most " + epochs);
        }
    }

    private String ref(String key, Object value) {
        return key + " = " + value + " (from " + tree.sourceOf(key) + ")";
    }
}
