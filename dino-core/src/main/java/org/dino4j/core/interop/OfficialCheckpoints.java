package org.dino4j.core.interop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import org.dino4j.core.backbone.Backbone;
import org.dino4j.core.backbone.Ffn;
import org.dino4j.core.backbone.ResNet;
import org.dino4j.core.backbone.VisionTransformer;
import org.dino4j.core.head.DinoHead;
import org.dino4j.core.io.NumpyScalar;
import org.dino4j.core.io.PthReader;
import org.dino4j.core.io.PythonObject;
import org.dino4j.core.io.PythonTuple;
import org.dino4j.core.io.SafeTensors;
import org.dino4j.core.io.TorchTensor;
import org.dino4j.core.nn.DinoBlock;

import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The official DINO / DINOv2 checkpoint layouts, mapped onto dino4j models by name.
 *
 * <p>Layouts read:
 * <ul>
 *   <li>a bare backbone state dict, as the released weights are ({@code dino_deitsmall16_pretrain.pth},
 *       {@code dino_resnet50_pretrain.pth}, {@code dinov2_vits14_pretrain.pth}, ...);</li>
 *   <li>a full DINO training checkpoint ({@code student} with DDP's {@code module.} prefix, {@code teacher},
 *       {@code optimizer}, {@code epoch}, {@code args}, {@code dino_loss}): {@link #dinoTraining};</li>
 *   <li>DINOv2's {@code teacher_checkpoint.pth} ({@code {'teacher': {'backbone.…', 'dino_head.…'}}}) and its
 *       training checkpoints ({@code {'model': {'teacher.backbone.…', 'student.backbone.…'}}});</li>
 *   <li>DINOv2's chunked block names {@code blocks.<chunk>.<i>.…} (training with {@code block_chunks}), renamed
 *       to {@code blocks.<i>.…}.</li>
 * </ul>
 * The names of dino4j's backbones and heads are the official ones, so after the prefixes are handled a state dict
 * loads as is ({@link #load}). The architecture can be inferred from the tensor shapes ({@link #vitBuilder},
 * {@link #resNet}, {@link #dinoHeadBuilder}).
 *
 * <pre>{@code
 * LinkedHashMap<String, TorchTensor> weights = OfficialCheckpoints.readBackbone(file, TrainingRole.TEACHER);
 * VisionTransformer vit = OfficialCheckpoints.vitBuilder(weights).build();
 * vit.initializeWeights(manager, 0);
 * OfficialCheckpoints.load(vit, weights, Strictness.STRICT);
 * }</pre>
 */
public final class OfficialCheckpoints {

    private static final Pattern CHUNKED_BLOCK = Pattern.compile("^blocks\\.(\\d+)\\.(\\d+)\\.(.+)$");
    private static final Pattern BLOCK_INDEX = Pattern.compile("^blocks\\.(\\d+)\\.");
    private static final Pattern RESNET_BLOCK = Pattern.compile("^layer([1-4])\\.(\\d+)\\.");
    private static final Pattern HEAD_LAYER = Pattern.compile("^mlp\\.(\\d+)\\.(\\w+)$");
    private static final int MAX_LISTED = 20;

    /** The head counts of the official architecture names ({@code args.arch}). */
    private static final Map<String, Integer> ARCH_HEADS = Map.of(
            "vit_tiny", 3, "deit_tiny", 3, "vit_small", 6, "deit_small", 6, "vit_base", 12,
            "vit_large", 16, "vit_giant2", 24);

    private OfficialCheckpoints() {}

    // ------------------------------------------------------------------------------------------------ reading

    /**
     * Reads a full DINO training checkpoint.
     *
     * @param file {@code checkpoint.pth} (or a {@code *_full_checkpoint.pth} of the released weights)
     * @return its content by name
     * @throws IOException if the file cannot be read or is not a DINO training checkpoint (the message says why)
     */
    public static DinoTrainingCheckpoint readDinoTraining(Path file) throws IOException {
        Object root = PthReader.read(file);
        try {
            return dinoTraining(root);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Whether an unpickled checkpoint is a DINO training checkpoint (a dict with the {@code student} and
     * {@code teacher} state dicts; {@code optimizer} and the rest are optional).
     */
    public static boolean isDinoTraining(Object root) {
        return root instanceof Map<?, ?> m && m.get("student") instanceof Map && m.get("teacher") instanceof Map;
    }

    /**
     * Interprets an unpickled DINO training checkpoint.
     *
     * @param root the object read by {@link PthReader#read}
     * @return the checkpoint by name
     * @throws IllegalArgumentException if the layout is not DINO's, or the optimizer state does not fit the student
     */
    public static DinoTrainingCheckpoint dinoTraining(Object root) {
        if (!isDinoTraining(root)) {
            throw new IllegalArgumentException("not a DINO training checkpoint: expected a dict with 'student' and"
                    + " 'teacher' state dicts, got " + describeTop(root));
        }
        Map<?, ?> top = (Map<?, ?>) root;
        LinkedHashMap<String, TorchTensor> student = stripPrefix(PthReader.stateDict(top.get("student"),
                "checkpoint['student']"), "module.");
        LinkedHashMap<String, TorchTensor> teacher = stripPrefix(PthReader.stateDict(top.get("teacher"),
                "checkpoint['teacher']"), "module.");
        Map<String, Object> args = args(top.get("args"));
        int epoch = top.get("epoch") instanceof Long e ? Math.toIntExact(e) : 0;
        TorchTensor center = null;
        if (top.get("dino_loss") instanceof Map<?, ?> loss && loss.get("center") instanceof TorchTensor c) {
            center = c;
        }
        Map<String, Object> scaler = null;
        if (top.get("fp16_scaler") instanceof Map<?, ?> s) {
            scaler = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : s.entrySet()) {
                scaler.put(String.valueOf(e.getKey()), e.getValue());
            }
        }
        LinkedHashMap<String, AdamMoments> moments = new LinkedHashMap<>();
        List<OptimizerParamGroup> groups = new ArrayList<>();
        if (top.get("optimizer") != null) {
            optimizer(top.get("optimizer"), student, args, moments, groups);
        }
        return new DinoTrainingCheckpoint(student, teacher, moments, groups, epoch, args, center, scaler);
    }

    private static Map<String, Object> args(Object value) {
        LinkedHashMap<String, Object> out = new LinkedHashMap<>();
        if (value instanceof PythonObject o) {
            out.putAll(o.attributes());
        } else if (value instanceof Map<?, ?> m) {
            m.forEach((k, v) -> out.put(String.valueOf(k), v));
        }
        return out;
    }

    /**
     * Maps the optimizer's integer indices to student names. The official optimizer numbers the trainable student
     * parameters group by group: group 0 holds the regularised ones (neither 1-D nor {@code .bias}), group 1 the
     * others, each in {@code named_parameters()} order; frozen parameters ({@code head.last_layer.weight_g} with
     * {@code norm_last_layer}) have no index.
     */
    private static void optimizer(Object value, LinkedHashMap<String, TorchTensor> student, Map<String, Object> args,
                                  Map<String, AdamMoments> moments, List<OptimizerParamGroup> groups) {
        if (!(value instanceof Map<?, ?> opt) || !(opt.get("param_groups") instanceof List<?> rawGroups)
                || !(opt.get("state") instanceof Map<?, ?> state)) {
            throw new IllegalArgumentException("checkpoint['optimizer'] is not an optimizer state dict (a dict with"
                    + " 'state' and 'param_groups')");
        }
        List<String> regularised = new ArrayList<>();
        List<String> other = new ArrayList<>();
        String weightG = "head.last_layer.weight_g";
        boolean frozenG = Boolean.TRUE.equals(args.get("norm_last_layer"));
        for (Map.Entry<String, TorchTensor> e : student.entrySet()) {
            String n = e.getKey();
            if (isBuffer(n) || (frozenG && n.equals(weightG))) {
                continue;
            }
            (n.endsWith(".bias") || e.getValue().shape().length <= 1 ? other : regularised).add(n);
        }
        List<List<Long>> indices = new ArrayList<>();
        for (Object g : rawGroups) {
            if (!(g instanceof Map<?, ?> gm) || !(gm.get("params") instanceof List<?> ps)) {
                throw new IllegalArgumentException("optimizer param group without a 'params' list: " + g);
            }
            List<Long> idx = new ArrayList<>();
            for (Object p : ps) {
                idx.add((Long) p);
            }
            indices.add(idx);
        }
        if (indices.size() != 2) {
            throw new IllegalArgumentException("expected DINO's two optimizer param groups (regularised, not"
                    + " regularised), got " + indices.size());
        }
        // Without args, a frozen weight_g shows as exactly one regularised parameter too many.
        if (!frozenG && regularised.size() == indices.get(0).size() + 1 && regularised.remove(weightG)) {
            frozenG = true;
        }
        List<List<String>> names = List.of(regularised, other);
        for (int g = 0; g < 2; g++) {
            if (names.get(g).size() != indices.get(g).size()) {
                throw new IllegalArgumentException("optimizer param group " + g + " has " + indices.get(g).size()
                        + " parameters but the student has " + names.get(g).size() + " "
                        + (g == 0 ? "regularised" : "non-regularised") + " trainable parameters: "
                        + abbreviate(names.get(g)));
            }
        }
        for (int g = 0; g < 2; g++) {
            Map<?, ?> gm = (Map<?, ?>) rawGroups.get(g);
            PythonTuple betas = gm.get("betas") instanceof PythonTuple t ? t : null;
            groups.add(new OptimizerParamGroup(names.get(g), number(gm.get("lr"), Double.NaN),
                    number(gm.get("weight_decay"), 0), betas == null ? 0.9 : number(betas.get(0), 0.9),
                    betas == null ? 0.999 : number(betas.get(1), 0.999), number(gm.get("eps"), 1e-8)));
            for (int k = 0; k < indices.get(g).size(); k++) {
                String name = names.get(g).get(k);
                Object s = state.get(indices.get(g).get(k));
                if (s == null) {
                    continue;
                }
                if (!(s instanceof Map<?, ?> sm) || !(sm.get("exp_avg") instanceof TorchTensor m1)
                        || !(sm.get("exp_avg_sq") instanceof TorchTensor m2)) {
                    throw new IllegalArgumentException("optimizer state of " + name + " (index "
                            + indices.get(g).get(k) + ") lacks exp_avg / exp_avg_sq: it is not AdamW's");
                }
                long[] shape = student.get(name).shape();
                if (!Arrays.equals(shape, m1.shape()) || !Arrays.equals(shape, m2.shape())) {
                    throw new IllegalArgumentException("optimizer state of " + name + " (index "
                            + indices.get(g).get(k) + ") has shape " + Arrays.toString(m1.shape())
                            + " but the parameter is " + Arrays.toString(shape));
                }
                Object step = sm.get("step");
                long steps = step instanceof TorchTensor t ? Math.round(t.item()) : step instanceof Number n
                        ? n.longValue() : 0;
                moments.put(name, new AdamMoments(steps, m1, m2));
            }
        }
    }

    private static double number(Object v, double fallback) {
        if (v instanceof NumpyScalar s) {
            return s.doubleValue();
        }
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        return fallback;
    }

    private static boolean isBuffer(String name) {
        return name.endsWith(".running_mean") || name.endsWith(".running_var")
                || name.endsWith(".num_batches_tracked");
    }

    /**
     * Reads the backbone weights of any official layout (see the class documentation), with the official backbone
     * names ({@code cls_token}, {@code blocks.0.attn.qkv.weight}, {@code layer1.0.conv1.weight}, ...).
     *
     * <p>When the file holds more than a backbone (a head, a second network), only the backbone is returned: this
     * is the explicit backbone-only read.
     *
     * @param file the checkpoint
     * @param role which network to take from a checkpoint that holds both (ignored for bare weights)
     * @return the backbone tensors, in the file's order
     * @throws IOException if the file cannot be read or has no recognisable backbone
     */
    public static LinkedHashMap<String, TorchTensor> readBackbone(Path file, TrainingRole role) throws IOException {
        Object root = PthReader.read(file);
        try {
            return backbone(root, role);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The backbone tensors of an unpickled checkpoint (see {@link #readBackbone}).
     *
     * @param root the object read by {@link PthReader#read}
     * @param role which network to take from a checkpoint that holds both
     * @return the backbone tensors with official backbone names
     * @throws IllegalArgumentException if no backbone is found
     */
    public static LinkedHashMap<String, TorchTensor> backbone(Object root, TrainingRole role) {
        if (!(root instanceof Map<?, ?> top)) {
            throw new IllegalArgumentException("expected a dict, got " + PthReader.typeName(root));
        }
        LinkedHashMap<String, TorchTensor> state;
        if (top.get(role.key()) instanceof Map<?, ?> network) {
            // DINO's checkpoint.pth and DINOv2's teacher_checkpoint.pth
            state = stripPrefix(PthReader.stateDict(network, "checkpoint['" + role.key() + "']"), "module.");
        } else if (top.get("model") instanceof Map<?, ?> model) {
            // DINOv2's training checkpoints: {'model': {'teacher.backbone.…', 'student.backbone.…', …}}
            state = withPrefix(PthReader.stateDict(model, "checkpoint['model']"), role.key() + ".");
            if (state.isEmpty()) {
                throw new IllegalArgumentException("checkpoint['model'] has no tensors named '" + role.key()
                        + ".…'");
            }
        } else if (top.containsKey("student") || top.containsKey("teacher")) {
            throw new IllegalArgumentException("the checkpoint has no '" + role.key() + "' network; top-level keys: "
                    + new TreeSet<>(top.keySet().stream().map(String::valueOf).toList()));
        } else {
            state = stripPrefix(PthReader.stateDict(top, "the checkpoint"), "module.");
        }
        if (state.keySet().stream().anyMatch(k -> k.startsWith("backbone."))) {
            state = withPrefix(state, "backbone.");
        }
        return unchunk(state);
    }

    /**
     * The tensors whose names start with {@code prefix}, with the prefix removed (a selection: other tensors are
     * left out).
     *
     * @param tensors name to tensor
     * @param prefix e.g. {@code backbone.}
     * @return the selection, in order
     */
    public static LinkedHashMap<String, TorchTensor> withPrefix(Map<String, TorchTensor> tensors, String prefix) {
        LinkedHashMap<String, TorchTensor> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                out.put(k.substring(prefix.length()), v);
            }
        });
        return out;
    }

    /** Removes {@code prefix} from the names that carry it (DDP's {@code module.}); other names stay. */
    static LinkedHashMap<String, TorchTensor> stripPrefix(Map<String, TorchTensor> tensors, String prefix) {
        LinkedHashMap<String, TorchTensor> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> out.put(k.startsWith(prefix) ? k.substring(prefix.length()) : k, v));
        return out;
    }

    /**
     * Renames DINOv2's chunked blocks {@code blocks.<chunk>.<i>.…} to {@code blocks.<i>.…} (the chunks are padded
     * with parameterless entries, so {@code <i>} is already the global block index).
     *
     * @param tensors backbone tensors
     * @return the same tensors with flat block names, in order
     */
    public static LinkedHashMap<String, TorchTensor> unchunk(Map<String, TorchTensor> tensors) {
        LinkedHashMap<String, TorchTensor> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> {
            Matcher m = CHUNKED_BLOCK.matcher(k);
            String name = m.matches() ? "blocks." + m.group(2) + "." + m.group(3) : k;
            if (out.put(name, v) != null) {
                throw new IllegalArgumentException("two tensors map to the name " + name);
            }
        });
        return out;
    }

    // ------------------------------------------------------------------------------------------------ loading

    /**
     * Copies checkpoint tensors into a model's parameters and buffers by official name (converted to the model's
     * float32; e.g. int64 {@code num_batches_tracked}, float16 weights).
     *
     * @param target the model (its parameters must be initialised, e.g. by {@code initializeWeights})
     * @param tensors name to tensor, names relative to {@code target}
     * @param strictness whether tensors the model lacks are an error or are skipped
     * @return what was loaded and what was skipped
     * @throws IllegalArgumentException listing every missing, mis-shaped and (under {@link Strictness#STRICT})
     *     unexpected tensor; nothing is modified then
     */
    public static LoadReport load(DinoBlock target, Map<String, TorchTensor> tensors, Strictness strictness) {
        LinkedHashMap<String, Parameter> params = target.stateDict();
        List<String> missing = new ArrayList<>();
        List<String> misShaped = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            TorchTensor t = tensors.get(e.getKey());
            if (t == null) {
                missing.add(e.getKey());
            } else if (!Arrays.equals(t.shape(), e.getValue().getShape().getShape())) {
                misShaped.add(e.getKey() + " (model " + e.getValue().getShape() + ", checkpoint "
                        + t.djlShape() + ")");
            }
        }
        List<String> unexpected = new ArrayList<>();
        for (String k : tensors.keySet()) {
            if (!params.containsKey(k)) {
                unexpected.add(k);
            }
        }
        boolean failUnexpected = strictness == Strictness.STRICT && !unexpected.isEmpty();
        if (!missing.isEmpty() || !misShaped.isEmpty() || failUnexpected) {
            StringBuilder sb = new StringBuilder("checkpoint does not match ")
                    .append(target.getClass().getSimpleName());
            if (!missing.isEmpty()) {
                sb.append("; missing: ").append(abbreviate(missing));
            }
            if (!misShaped.isEmpty()) {
                sb.append("; wrong shape: ").append(abbreviate(misShaped));
            }
            if (failUnexpected) {
                sb.append("; unexpected: ").append(abbreviate(unexpected))
                        .append(" (load with Strictness.IGNORE_UNEXPECTED to skip them)");
            }
            if (missing.size() == params.size()) {
                sb.append("; no name matches: is it another model, or do the names carry a prefix such as"
                        + " 'module.' or 'backbone.' (see OfficialCheckpoints.backbone)?");
            }
            throw new IllegalArgumentException(sb.toString());
        }
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            Parameter p = e.getValue();
            if (!p.isInitialized()) {
                throw new IllegalStateException("initialise the model (initializeWeights) before loading; parameter "
                        + e.getKey() + " has no array");
            }
            if (p.getArray().getDataType() != DataType.FLOAT32) {
                throw new IllegalStateException("parameter " + e.getKey() + " is " + p.getArray().getDataType()
                        + "; loading supports float32 models");
            }
        }
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            e.getValue().getArray().set(FloatBuffer.wrap(tensors.get(e.getKey()).floats()));
        }
        return new LoadReport(new ArrayList<>(params.keySet()), unexpected);
    }

    private static String abbreviate(List<String> names) {
        if (names.size() <= MAX_LISTED) {
            return names.toString();
        }
        return names.subList(0, MAX_LISTED) + " and " + (names.size() - MAX_LISTED) + " more";
    }

    // ------------------------------------------------------------------------------------------------ inference

    /**
     * A ViT builder with every setting the tensor shapes determine: patch size and input channels (patch-embedding
     * kernel), D ({@code cls_token}), training image size ({@code pos_embed} length), depth, qkv bias, MLP or
     * SwiGLU and its width, LayerScale, registers and mask token. The number of heads is not in the shapes: it is
     * set to D / 64 (every official model) when D is a multiple of 64, and must otherwise be set by the caller
     * ({@code setNumHeads}). The interpolation mode stays DINO's (training default); DINOv2's released register
     * models need {@code optInterpolation(OFFSET_0_ANTIALIAS)}.
     *
     * @param backbone backbone tensors with official names (see {@link #backbone})
     * @return a builder to adjust and build; {@code initializeWeights} then {@link #load} the tensors
     * @throws IllegalArgumentException if the tensors are not a ViT's
     */
    public static VisionTransformer.Builder vitBuilder(Map<String, TorchTensor> backbone) {
        return vitBuilder(backbone, Map.of());
    }

    /**
     * As {@link #vitBuilder(Map)}, with the training arguments of a DINO checkpoint as hints: the head count from
     * {@code arch} ({@code vit_tiny} 3, {@code vit_small} 6, {@code vit_base} 12, {@code vit_large} 16,
     * {@code vit_giant2} 24) and {@code drop_path_rate}.
     *
     * @param backbone backbone tensors with official names
     * @param args the checkpoint's {@code args} (may be empty)
     * @return a builder to adjust and build
     */
    public static VisionTransformer.Builder vitBuilder(Map<String, TorchTensor> backbone, Map<String, Object> args) {
        long[] cls = required(backbone, "cls_token", 3, "a ViT");
        long[] pos = required(backbone, "pos_embed", 3, "a ViT");
        long[] patch = required(backbone, "patch_embed.proj.weight", 4, "a ViT");
        int d = Math.toIntExact(cls[2]);
        int p = Math.toIntExact(patch[2]);
        if (patch[2] != patch[3] || patch[0] != d) {
            throw new IllegalArgumentException("patch_embed.proj.weight " + Arrays.toString(patch)
                    + " is not a square patch embedding to D = " + d);
        }
        long n = pos[1] - 1;
        int grid = (int) Math.round(Math.sqrt(n));
        if ((long) grid * grid != n) {
            throw new IllegalArgumentException("pos_embed " + Arrays.toString(pos) + " holds " + n
                    + " patch positions, not a square grid");
        }
        int depth = 0;
        for (String k : backbone.keySet()) {
            Matcher m = BLOCK_INDEX.matcher(k);
            if (m.find()) {
                depth = Math.max(depth, Integer.parseInt(m.group(1)) + 1);
            }
        }
        if (depth == 0) {
            throw new IllegalArgumentException("no blocks.<i>.* tensors: not a ViT state dict");
        }
        VisionTransformer.Builder b = VisionTransformer.builder().setPatchSize(p).setEmbedDim(d).setDepth(depth)
                .optImageSize(grid * p).optInChannels(Math.toIntExact(patch[1]))
                .optQkvBias(backbone.containsKey("blocks.0.attn.qkv.bias"));
        if (backbone.containsKey("blocks.0.mlp.w12.weight")) {
            int h = Math.toIntExact(backbone.get("blocks.0.mlp.w12.weight").shape()[0] / 2);
            b.optFfn(Ffn.SWIGLU).optMlpRatio(swigluRatio(d, h));
        } else {
            int h = Math.toIntExact(required(backbone, "blocks.0.mlp.fc1.weight", 2, "a ViT")[0]);
            b.optMlpRatio(mlpRatio(d, h));
        }
        if (backbone.containsKey("blocks.0.ls1.gamma")) {
            // The start value only matters for fresh training; the checkpoint's gammas replace it.
            b.optLayerScale(1e-5);
        }
        if (backbone.get("register_tokens") != null) {
            b.optRegisterTokens(Math.toIntExact(backbone.get("register_tokens").shape()[1]));
        }
        b.optMaskToken(backbone.containsKey("mask_token"));
        Object arch = args.get("arch");
        if (arch instanceof String a && ARCH_HEADS.containsKey(a)) {
            b.setNumHeads(ARCH_HEADS.get(a));
        } else if (d % 64 == 0) {
            b.setNumHeads(d / 64);
        }
        if (args.get("drop_path_rate") instanceof Double rate) {
            b.optDropPathRate(rate);
        }
        return b;
    }

    /** A ratio r with int(D * r) = h exactly (h / D when that survives the rounding, else (h + 0.5) / D). */
    private static double mlpRatio(int d, int h) {
        double r = (double) h / d;
        return (int) (d * r) == h ? r : (h + 0.5) / d;
    }

    /** The MLP ratio whose SwiGLU width is h: 4 (every official model) if it fits, else the smallest that does. */
    private static double swigluRatio(int d, int h) {
        if (Ffn.SWIGLU.hiddenWidth(4 * d) == h) {
            return 4;
        }
        for (int m = 1; m <= 4 * h; m++) {
            if (Ffn.SWIGLU.hiddenWidth(m) == h) {
                return mlpRatio(d, m);
            }
        }
        throw new IllegalArgumentException("no MLP width gives the SwiGLU hidden width " + h);
    }

    private static long[] required(Map<String, TorchTensor> tensors, String name, int dims, String what) {
        TorchTensor t = tensors.get(name);
        if (t == null) {
            throw new IllegalArgumentException("not " + what + " state dict: no tensor '" + name + "' (names: "
                    + abbreviate(new ArrayList<>(tensors.keySet())) + ")");
        }
        if (t.shape().length != dims) {
            throw new IllegalArgumentException(name + " has shape " + Arrays.toString(t.shape()) + ", expected "
                    + dims + " dimensions");
        }
        return t.shape();
    }

    /** Whether backbone tensors are a torchvision ResNet's ({@code conv1.weight}, {@code layer1.0.*}). */
    public static boolean isResNet(Map<String, TorchTensor> backbone) {
        return backbone.containsKey("conv1.weight") && backbone.containsKey("layer1.0.conv1.weight");
    }

    /**
     * The ResNet whose torchvision state dict these tensors are (depth from the block type and the blocks per
     * stage).
     *
     * @param backbone the tensors (e.g. of {@code dino_resnet50_pretrain.pth})
     * @return an uninitialised ResNet of that depth
     * @throws IllegalArgumentException if the tensors are not a standard ResNet's
     */
    public static ResNet resNet(Map<String, TorchTensor> backbone) {
        long[] stem = required(backbone, "conv1.weight", 4, "a ResNet");
        boolean bottleneck = backbone.containsKey("layer1.0.conv3.weight");
        int[] counts = new int[4];
        for (String k : backbone.keySet()) {
            Matcher m = RESNET_BLOCK.matcher(k);
            if (m.find()) {
                int stage = Integer.parseInt(m.group(1)) - 1;
                counts[stage] = Math.max(counts[stage], Integer.parseInt(m.group(2)) + 1);
            }
        }
        String key = (bottleneck ? "bottleneck " : "basic ") + Arrays.toString(counts);
        int depth = switch (key) {
            case "basic [2, 2, 2, 2]" -> 18;
            case "basic [3, 4, 6, 3]" -> 34;
            case "bottleneck [3, 4, 6, 3]" -> 50;
            case "bottleneck [3, 4, 23, 3]" -> 101;
            case "bottleneck [3, 8, 36, 3]" -> 152;
            default -> throw new IllegalArgumentException("not a standard ResNet: " + key
                    + " blocks per stage (expected ResNet-18, 34, 50, 101 or 152)");
        };
        return new ResNet(depth, Math.toIntExact(stem[1]));
    }

    /**
     * A DINO head builder with the sizes of these head tensors ({@code mlp.*}, {@code last_layer.weight_v}):
     * input, hidden, bottleneck and output widths, number of layers and batch norm. {@code norm_last_layer} is
     * not in the shapes (builder default: true).
     *
     * @param head head tensors, names without {@code head.}
     * @return a builder to adjust and build
     * @throws IllegalArgumentException if the tensors are not a DINO head's
     */
    public static DinoHead.Builder dinoHeadBuilder(Map<String, TorchTensor> head) {
        long[] v = required(head, "last_layer.weight_v", 2, "a DINO head");
        // The Linear layers are the 2-D mlp.<i>.weight (GELUs and batch norms take indices too), or a single mlp.
        java.util.TreeMap<Integer, long[]> byIndex = new java.util.TreeMap<>();
        boolean batchNorm = false;
        for (Map.Entry<String, TorchTensor> e : head.entrySet()) {
            Matcher m = HEAD_LAYER.matcher(e.getKey());
            if (m.matches() && m.group(2).equals("weight") && e.getValue().shape().length == 2) {
                byIndex.put(Integer.parseInt(m.group(1)), e.getValue().shape());
            }
            batchNorm |= m.matches() && m.group(2).equals("running_mean");
        }
        List<long[]> linears = new ArrayList<>(byIndex.values());
        if (head.containsKey("mlp.weight")) {
            linears.add(head.get("mlp.weight").shape());
        }
        if (linears.isEmpty()) {
            throw new IllegalArgumentException("not a DINO head state dict: no mlp.*.weight");
        }
        DinoHead.Builder b = DinoHead.builder().setInDim(linears.get(0)[1]).setOutDim(v[0])
                .optBottleneckDim(v[1]).optNumLayers(linears.size()).optUseBatchNorm(batchNorm);
        if (linears.size() > 1) {
            b.optHiddenDim(linears.get(0)[0]);
        }
        return b;
    }

    // ------------------------------------------------------------------------------------------------ export

    /**
     * A block's state dict as arrays under official names with a prefix (the arrays themselves, not copies).
     *
     * @param block a model or part of one
     * @param prefix prepended to every name ({@code ""}, {@code backbone.}, {@code head.})
     * @return name to array, in state-dict order
     */
    public static LinkedHashMap<String, NDArray> stateDict(DinoBlock block, String prefix) {
        LinkedHashMap<String, NDArray> out = new LinkedHashMap<>();
        block.stateDict().forEach((k, p) -> out.put(prefix + k, p.getArray()));
        return out;
    }

    /**
     * Writes a backbone, optionally with its head, to a safetensors file under the official names: the bare
     * backbone names (the layout of the released weights, for {@code backbone.load_state_dict}), or with a head
     * {@code backbone.*} and {@code head.*} (the MultiCropWrapper layout of a DINO student or teacher).
     * Buffers (batch-norm statistics) are included, as in a PyTorch state dict.
     *
     * @param file the target ({@code .safetensors})
     * @param backbone the backbone
     * @param head the head, or null for the backbone only
     * @param metadata strings for the header's {@code __metadata__} (e.g. {@code format: pt}); may be empty
     * @throws IOException if writing fails
     */
    public static void exportSafetensors(Path file, Backbone backbone, DinoBlock head, Map<String, String> metadata)
            throws IOException {
        LinkedHashMap<String, NDArray> tensors = new LinkedHashMap<>();
        if (head == null) {
            tensors.putAll(stateDict(backbone.block(), ""));
        } else {
            tensors.putAll(stateDict(backbone.block(), "backbone."));
            tensors.putAll(stateDict(head, "head."));
        }
        SafeTensors.write(file, tensors, metadata);
    }

    /**
     * Reads the tensors of a safetensors file written by {@link #exportSafetensors} (or by Python's
     * {@code safetensors.torch.save_file} from an official state dict).
     *
     * @param file the file
     * @return name to tensor, in data order
     * @throws IOException if the file cannot be read
     */
    public static LinkedHashMap<String, TorchTensor> readSafetensors(Path file) throws IOException {
        return SafeTensors.read(file).tensors();
    }

    private static String describeTop(Object root) {
        if (root instanceof Map<?, ?> m) {
            List<String> keys = m.keySet().stream().map(String::valueOf).limit(MAX_LISTED).toList();
            return "a dict with keys " + keys;
        }
        return PthReader.typeName(root);
    }
}
