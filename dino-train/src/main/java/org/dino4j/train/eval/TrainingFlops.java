package org.dino4j.train.eval;

import org.dino4j.core.backbone.StochasticDepth;
import org.dino4j.train.config.BackboneConfig;
import org.dino4j.train.config.BackboneType;
import org.dino4j.train.config.CropsConfig;
import org.dino4j.train.config.DinoConfig;
import org.dino4j.train.config.DropPathMode;
import org.dino4j.train.config.HeadConfig;

/**
 * The analytic cost of DINO training in floating-point operations, counting the matrix products only (one
 * multiply-add = 2 FLOP; LayerNorm, softmax, GELU, the loss and the optimiser are a few percent and left out).
 *
 * <p>ViT forward of one square crop of side s, patch p, C input channels, width D, hidden width H of the MLP,
 * N = (s/p)^2 patches and T = N + 1 tokens:
 * <pre>
 *   patch embedding          N * (C p^2) * D
 *   per block:  qkv          T * D * 3D
 *               scores Q K^T T * T * D        (all heads together)
 *               weights x V  T * T * D
 *               proj         T * D * D
 *               MLP          T * D * H + T * H * D
 *   FLOP = 2 * (patch embedding + depth * per block)
 * </pre>
 * DINO head per CLS feature (in, hidden, bottleneck, K = out): {@code 2 * (in*hidden + (layers-2)*hidden^2 +
 * hidden*bottleneck + bottleneck*K)} (a single layer: {@code 2 * (in*bottleneck + bottleneck*K)}).
 *
 * <p>Per training image: the student sees 2 global and L local crops (backbone and head each), and its forward plus
 * backward pass costs three forwards (the backward computes two products per forward product: the gradients of
 * the input and of the weight); the teacher sees the 2 global crops in a forward pass only:
 * <pre>
 *   student forward = 2 * (vit(global) + head) + L * (vit(local) + head)
 *   teacher forward = 2 * (vit(global) + head)
 *   per image       = 3 * student forward + teacher forward
 *   per step        = batch size * per image
 * </pre>
 * For {@code bench-small} (global 32 / local 16, patch 4, D 192, depth 6, head 2048 / 256 / 4096, 2 + 6 crops,
 * batch 32) this gives 4.90 GFLOP per image and 156.8 GFLOP per step: the model's count
 * ({@link #modelPerImage}).
 *
 * <p>A training step runs less where the objective uses only the CLS feature: the last block then computes the CLS
 * token alone ({@link #vitClassTokenBlock}: under 2% of the full block at bench-small's global crops), which for
 * bench-small without iBOT leaves 4.16 GFLOP per image, 133.2 per step ({@link #perImage}, the count the profiler
 * checks). DINOv2's subset stochastic depth skips the dropped samples' branches as well.
 *
 * @param backboneGlobalCrop FLOP of one backbone forward on a global crop (also the inference cost per image at
 *     the training resolution)
 * @param backboneLocalCrop FLOP of one backbone forward on a local crop
 * @param headPerCrop FLOP of the projection head on one CLS feature
 * @param studentForwardPerImage FLOP of the student's forward pass over all crops of one image (with iBOT, plus
 *     its patch head on the expected number of masked patch tokens; with {@code drop_path_mode: subset}, its blocks
 *     on the expected number of kept samples; the last block on the CLS token alone where that is all it uses)
 * @param teacherForwardPerImage FLOP of the teacher's forward pass over the global crops of one image (with iBOT,
 *     plus its patch head on the same tokens; without iBOT, the last block on the CLS token alone)
 * @param perImage training FLOP per image (student forward and backward, teacher forward) as the step runs it
 * @param modelPerImage training FLOP per image of the model: every token of every crop through every block, every
 *     sample through every branch (the count above with neither the CLS-only last block nor subset stochastic
 *     depth), the usual basis of model FLOP utilisation
 * @param batchSize images per step
 */
public record TrainingFlops(long backboneGlobalCrop, long backboneLocalCrop, long headPerCrop,
                            long studentForwardPerImage, long teacherForwardPerImage, long perImage,
                            long modelPerImage, int batchSize) {

    /** Global crops per image, as in DINO. */
    public static final int GLOBAL_CROPS = 2;
    /** Cost of a forward plus backward pass, in forward passes. */
    public static final int FORWARD_BACKWARD = 3;

    /** Training FLOP per optimisation step. */
    public long perStep() {
        return perImage * batchSize;
    }

    /** The model's training FLOP per optimisation step (see {@link #modelPerImage}). */
    public long modelPerStep() {
        return modelPerImage * batchSize;
    }

    /**
     * The cost of training with a configuration, as the step runs it: with iBOT the patch head on the expected
     * masked tokens; with {@code drop_path_mode: subset} the student's blocks on the expected kept samples; and the
     * last block of a ViT on the CLS token alone wherever the patch tokens are not used
     * ({@link org.dino4j.core.backbone.Backbone#forwardClassToken}: the teacher's and the student's crops without
     * iBOT, the student's local crops with it; not in a sequence-packed pass). {@link #modelPerImage} keeps the
     * count of every token through every block.
     *
     * @param config a resolved configuration
     * @return its FLOP counts
     */
    public static TrainingFlops of(DinoConfig config) {
        BackboneConfig backbone = config.model().backbone();
        CropsConfig crops = config.crops();
        int batch = config.optim().batchSize();
        TrainingFlops base = of(backbone, config.model().head(), crops, batch);
        if (backbone.type() != BackboneType.VIT) {
            return base;
        }
        long patchHead = 0;
        boolean ibot = config.objective().ibotEnabled();
        if (ibot) {
            // iBOT: the patch head runs on the masked patch tokens of the global crops, in the student (forward and
            // backward) and in the teacher (forward). Expected count per image: the masked share of the global
            // crops times the patches per crop times the mean mask ratio (the masks draw their ratios evenly over
            // the range).
            int side = crops.globalSize() / backbone.patchSize();
            double masked = GLOBAL_CROPS * config.objective().maskShare() * side * side
                    * (config.objective().maskRatio().min() + config.objective().maskRatio().max()) / 2;
            patchHead = Math.round(masked * dinoHeadForward(config.model().head(), backbone.featureDim()));
        }
        boolean subset = backbone.dropPathMode() == DropPathMode.SUBSET && backbone.dropPathRate() > 0;
        // the student packs its crop groups into one pass when asked to and able to (MultiCropNetwork)
        boolean packed = config.model().sequencePacking() && crops.localCount() > 0 && !subset;
        long h = base.headPerCrop();
        // the teacher sees the global crops without stochastic depth; it needs their patch tokens only for iBOT
        long teacher = GLOBAL_CROPS * (vitForward(backbone, crops.globalSize(), GLOBAL_CROPS * batch, false, !ibot)
                + h) + patchHead;
        long student = GLOBAL_CROPS * (vitForward(backbone, crops.globalSize(), GLOBAL_CROPS * batch, subset,
                !ibot && !packed) + h) + patchHead;
        if (crops.localCount() > 0) {
            student += (long) crops.localCount() * (vitForward(backbone, crops.localSize(),
                    crops.localCount() * batch, subset, !packed) + h);
        }
        // the model: every block whole, with the patch head in the student's passes and the teacher's
        long model = base.perImage() + (FORWARD_BACKWARD + 1) * patchHead;
        return new TrainingFlops(base.backboneGlobalCrop(), base.backboneLocalCrop(), h, student, teacher,
                FORWARD_BACKWARD * student + teacher, model, batch);
    }

    /**
     * FLOP of one crop's ViT forward as a training step runs it, per crop on average.
     *
     * @param c the backbone architecture
     * @param side the crop side
     * @param rows the samples of the crop group that passes the backbone together (crops of that size x batch)
     * @param subset whether stochastic depth runs each block's branches only on the kept samples
     *     ({@code drop_path_mode: subset}): block i, at rate r_i, on {@code max((int) (rows * (1 - r_i)), 1)} of the
     *     {@code rows} samples
     * @param classTokenOnly whether the last block computes the CLS token alone
     *     ({@link #vitClassTokenBlock})
     * @return the expected FLOP of the matrix products per crop
     */
    public static long vitForward(BackboneConfig c, int side, int rows, boolean subset, boolean classTokenOnly) {
        if (rows < 1) {
            throw new IllegalArgumentException("a crop group has at least one sample, got " + rows + " rows");
        }
        int hidden = (int) (c.embedDim() * c.mlpRatio());
        long patchEmbed = vitForward(side, c.patchSize(), 3, c.embedDim(), 0, hidden);
        long block = vitForward(side, c.patchSize(), 3, c.embedDim(), 1, hidden) - patchEmbed;
        double[] rates = StochasticDepth.rates(c.dropPathRate(), c.depth(), c.dropPathUniform());
        double total = patchEmbed;
        for (int i = 0; i < rates.length; i++) {
            int kept = subset && rates[i] > 0 ? StochasticDepth.subsetSize(rows, rates[i]) : rows;
            long cost = classTokenOnly && i == rates.length - 1
                    ? vitClassTokenBlock(side, c.patchSize(), c.embedDim(), c.numHeads(), hidden) : block;
            total += (double) cost * kept / rows;
        }
        return Math.round(total);
    }

    /**
     * FLOP of a ViT block that computes the CLS token alone (the last block when only the CLS feature is used,
     * {@code Attention.forwardClassToken}): the CLS query, each head's query folded through its key weights, the
     * scores of the T tokens and their weighted sum per head, each head's value projection of that sum, and the
     * projection and MLP of the one row.
     *
     * @param side image side s, a multiple of {@code patch}
     * @param patch patch side p
     * @param dim token width D
     * @param heads attention heads
     * @param mlpHidden MLP hidden width H
     * @return {@code 2 * (D*D + D*D + 2*heads*T*D + D*D + D*D + 2*D*H)}
     */
    public static long vitClassTokenBlock(int side, int patch, int dim, int heads, int mlpHidden) {
        long t = patches(side, patch) + 1;
        long d = dim;
        return 2 * (4 * d * d + 2 * heads * t * d + 2 * d * mlpHidden);
    }

    /**
     * The model's cost of training a backbone and head with a multi-crop setting: every token of every crop
     * through every block, so {@link #perImage} equals {@link #modelPerImage} here; {@link #of(DinoConfig)} gives
     * what a configured step runs.
     *
     * @param backbone the backbone architecture (a ViT)
     * @param head the DINO head
     * @param crops crop sizes and the number of local crops
     * @param batchSize images per step
     * @return the FLOP counts
     */
    public static TrainingFlops of(BackboneConfig backbone, HeadConfig head, CropsConfig crops, int batchSize) {
        long global = backboneForward(backbone, crops.globalSize());
        long local = crops.localCount() > 0 ? backboneForward(backbone, crops.localSize()) : 0;
        long h = dinoHeadForward(head, backbone.featureDim());
        long student = GLOBAL_CROPS * (global + h) + (long) crops.localCount() * (local + h);
        long teacher = GLOBAL_CROPS * (global + h);
        long perImage = FORWARD_BACKWARD * student + teacher;
        return new TrainingFlops(global, local, h, student, teacher, perImage, perImage, batchSize);
    }

    /**
     * FLOP of one backbone forward on a square RGB image.
     *
     * @param c the backbone architecture
     * @param side the image side
     * @return the FLOP of the matrix products and convolutions
     */
    public static long backboneForward(BackboneConfig c, int side) {
        return c.type() == BackboneType.RESNET ? resnetForward(c.depth(), side) : vitForward(c, side);
    }

    /**
     * FLOP of one torchvision ResNet forward (without classifier) on a square RGB image: 2 x the multiply-adds of
     * every convolution, stride on the 3x3 convolution of a bottleneck (v1.5), 1x1 projections where the shape
     * changes.
     *
     * @param depth 18, 34, 50, 101 or 152
     * @param side the image side
     * @return the FLOP of the convolutions
     */
    public static long resnetForward(int depth, int side) {
        int[] counts = org.dino4j.core.backbone.ResNet.blockCounts(depth);
        boolean bottleneck = depth >= 50;
        long macs = 0;
        int s = convOut(side, 7, 2, 3);
        macs += (long) s * s * 3 * 64 * 49;
        s = convOut(s, 3, 2, 1); // max pool
        long in = 64;
        for (int stage = 0; stage < 4; stage++) {
            long w = 64L << stage;
            for (int i = 0; i < counts[stage]; i++) {
                int stride = stage > 0 && i == 0 ? 2 : 1;
                int o = convOut(s, 3, stride, 1);
                long out = bottleneck ? 4 * w : w;
                if (bottleneck) {
                    macs += (long) s * s * in * w + (long) o * o * w * w * 9 + (long) o * o * w * out;
                } else {
                    macs += (long) o * o * in * w * 9 + (long) o * o * w * w * 9;
                }
                if (stride != 1 || in != out) {
                    macs += (long) o * o * in * out;
                }
                in = out;
                s = o;
            }
        }
        return 2 * macs;
    }

    private static int convOut(int side, int kernel, int stride, int padding) {
        return (side + 2 * padding - kernel) / stride + 1;
    }

    /**
     * FLOP of one ViT forward on a square RGB image.
     *
     * @param c the backbone architecture
     * @param side the image side, a multiple of the patch size
     * @return the FLOP of the matrix products
     */
    public static long vitForward(BackboneConfig c, int side) {
        if (c.type() != BackboneType.VIT) {
            throw new IllegalArgumentException("the FLOP count is defined for ViT backbones, not " + c.type());
        }
        return vitForward(side, c.patchSize(), 3, c.embedDim(), c.depth(), (int) (c.embedDim() * c.mlpRatio()));
    }

    /**
     * FLOP of one ViT forward on a square image (see the class notes for the formula).
     *
     * @param side image side s, a multiple of {@code patch}
     * @param patch patch side p
     * @param inChannels input channels C
     * @param dim token width D
     * @param depth number of blocks
     * @param mlpHidden MLP hidden width H
     * @return the FLOP of the matrix products
     */
    public static long vitForward(int side, int patch, int inChannels, int dim, int depth, int mlpHidden) {
        long n = patches(side, patch);
        long t = n + 1;
        long d = dim;
        long patchEmbed = n * inChannels * patch * patch * d;
        long block = t * d * 3 * d + 2 * t * t * d + t * d * d + 2 * t * d * mlpHidden;
        return 2 * (patchEmbed + depth * block);
    }

    // the patches N of a square image, (s/p)^2
    private static long patches(int side, int patch) {
        if (side % patch != 0) {
            throw new IllegalArgumentException("image side " + side + " is not a multiple of the patch size " + patch);
        }
        return (long) (side / patch) * (side / patch);
    }

    /**
     * FLOP of the DINO head on one feature vector (see the class notes).
     *
     * @param c the head
     * @param inDim the backbone's feature width
     * @return the FLOP of the matrix products
     */
    public static long dinoHeadForward(HeadConfig c, long inDim) {
        long macs;
        if (c.numLayers() == 1) {
            macs = inDim * c.bottleneckDim();
        } else {
            long hidden = c.hiddenDim();
            macs = inDim * hidden + (long) (c.numLayers() - 2) * hidden * hidden + hidden * c.bottleneckDim();
        }
        macs += (long) c.bottleneckDim() * c.outDim();
        return 2 * macs;
    }
}
