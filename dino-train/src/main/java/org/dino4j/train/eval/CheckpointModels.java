package org.dino4j.train.eval;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import org.dino4j.core.backbone.Backbone;
import org.dino4j.core.backbone.PositionalEmbedding;
import org.dino4j.core.backbone.ResNet;
import org.dino4j.core.backbone.VisionTransformer;
import org.dino4j.core.head.DinoHead;
import org.dino4j.core.interop.OfficialCheckpoints;
import org.dino4j.core.interop.Strictness;
import org.dino4j.core.interop.TrainingRole;
import org.dino4j.core.io.PthReader;
import org.dino4j.core.io.PythonObject;
import org.dino4j.core.io.SafeTensors;
import org.dino4j.core.io.TensorArchive;
import org.dino4j.core.io.TorchTensor;
import org.dino4j.core.nn.DinoBlock;
import org.dino4j.train.augment.Normalization;
import org.dino4j.train.config.ConfigException;
import org.dino4j.train.config.ConfigLoader;
import org.dino4j.train.config.DinoConfig;
import org.dino4j.train.loop.DataFactory;
import org.dino4j.train.kernels.KernelChoice;
import org.dino4j.train.loop.ModelFactory;
import org.dino4j.train.model.MultiCropNetwork;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.zip.ZipFile;

/**
 * Loads the networks of a checkpoint file for evaluation and export, whatever wrote it:
 * <ul>
 *   <li>a dino4j run checkpoint ({@code checkpoint.zip}, see
 *       {@link org.dino4j.train.checkpoint.TrainingCheckpoint}): student or teacher, backbone and head, built from
 *       the resolved configuration stored in the file;</li>
 *   <li>an official PyTorch file ({@code .pth}): released backbone weights, a full DINO training checkpoint or a
 *       DINOv2 checkpoint (see {@link OfficialCheckpoints}); the architecture is inferred from the tensor shapes,
 *       and the head is loaded where the file has one in DINO's layout;</li>
 *   <li>a safetensors file with official names, bare backbone names or {@code backbone.*} / {@code head.*} (as
 *       {@link #exportSafetensors} and {@link OfficialCheckpoints#exportSafetensors} write it).</li>
 * </ul>
 * The format is recognised from the content, not the file name. Every loaded model gets its own sub-manager of
 * the caller's manager and is closed by the caller.
 *
 * <pre>{@code
 * try (LoadedModel m = CheckpointModels.load(Path.of("runs/x/checkpoint.zip"), TrainingRole.TEACHER, root)) {
 *     AttentionMaps.write(m.backbone(), image, m.normalization(), outDir, "attention");
 * }
 * }</pre>
 */
public final class CheckpointModels {

    /** Metadata keys {@link #exportSafetensors} adds, so that a dino4j export reloads without guessing. */
    public static final String META_NUM_HEADS = "dino4j.num_heads";
    /** The training image side. */
    public static final String META_IMAGE_SIZE = "dino4j.image_size";
    /** The normalisation mean, comma-separated. */
    public static final String META_MEAN = "dino4j.mean";
    /** The normalisation standard deviation, comma-separated. */
    public static final String META_STD = "dino4j.std";
    /** Which part was exported. */
    public static final String META_PART = "dino4j.part";

    private static final Logger LOG = LoggerFactory.getLogger(CheckpointModels.class);
    private static final int RESNET_IMAGE_SIZE = 224;
    private static final long SAFETENSORS_MAX_HEADER = SafeTensors.MAX_HEADER_BYTES;

    /** How a checkpoint file is laid out. */
    public enum Format {
        /** A dino4j run checkpoint ({@code checkpoint.zip}: a zip with {@code manifest.json}). */
        DINO4J,
        /** A {@code torch.save} file (the official DINO / DINOv2 weights and checkpoints). */
        PYTORCH,
        /** A safetensors file. */
        SAFETENSORS
    }

    /** What {@link #exportSafetensors} writes. */
    public enum Part {
        /** The teacher's backbone under the bare official names (the layout of the released weights). */
        BACKBONE,
        /** The student's backbone and head, {@code backbone.*} and {@code head.*}. */
        STUDENT,
        /** The teacher's backbone and head, {@code backbone.*} and {@code head.*}. */
        TEACHER;

        /** The lower-case name used on the command line. */
        public String cliName() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * What an export wrote.
     *
     * @param file the safetensors file
     * @param tensors number of tensors
     * @param parameters number of scalars
     * @param source the loaded model's description
     */
    public record ExportSummary(Path file, int tensors, long parameters, String source) {}

    private CheckpointModels() {}

    /**
     * Recognises a checkpoint file from its first bytes (and, for a zip, its entries).
     *
     * @param file the file
     * @return its format
     * @throws IOException if the file cannot be read or is none of the formats (the message lists them)
     */
    public static Format detect(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("checkpoint " + file + " does not exist or is not a file");
        }
        byte[] head = new byte[9];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, head.length);
        }
        if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
            try (ZipFile zip = new ZipFile(file.toFile())) {
                return zip.getEntry("manifest.json") != null ? Format.DINO4J : Format.PYTORCH;
            } catch (IOException e) {
                throw new IOException(file + " is a corrupt or truncated zip archive (" + e.getMessage() + ")", e);
            }
        }
        if (n == 9) {
            long headerLength = ByteBuffer.wrap(head, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (headerLength > 1 && headerLength <= SAFETENSORS_MAX_HEADER && head[8] == '{') {
                return Format.SAFETENSORS;
            }
        }
        throw new IOException(file + " is not a checkpoint dino4j can read: expected a dino4j run checkpoint"
                + " (checkpoint.zip), a PyTorch file written by torch.save (.pth) or a safetensors file");
    }

    /**
     * Loads a network, inferring the number of attention heads of an official ViT (see {@link #load(Path,
     * TrainingRole, int, NDManager)}).
     */
    public static LoadedModel load(Path file, TrainingRole role, NDManager parent) throws IOException {
        return load(file, role, 0, parent);
    }

    /**
     * Loads the student or teacher network of a checkpoint.
     *
     * @param file a dino4j {@code checkpoint.zip}, an official {@code .pth} or a safetensors file
     * @param role which network of a file that holds two (the teacher is the one DINO evaluates); ignored for a
     *     file that holds one network
     * @param numHeads the number of attention heads of an official ViT, which the tensor shapes do not tell; 0 to
     *     infer it (from the file's metadata or {@code args.arch}, else D / 64 as in every official model);
     *     ignored for dino4j checkpoints, whose configuration says it
     * @param parent the manager whose sub-manager will own the model (its device is used)
     * @return the model; close it to free its arrays
     * @throws IOException if the file cannot be read or its tensors do not form a model (the message says what
     *     is missing or mismatched)
     */
    public static LoadedModel load(Path file, TrainingRole role, int numHeads, NDManager parent) throws IOException {
        Format format = detect(file);
        NDManager manager = parent.newSubManager();
        manager.setName("model:" + file.getFileName());
        try {
            return switch (format) {
                case DINO4J -> loadDino4j(file, role, manager);
                case PYTORCH -> loadPytorch(file, role, numHeads, manager);
                case SAFETENSORS -> loadSafetensors(file, numHeads, manager);
            };
        } catch (IOException | RuntimeException e) {
            manager.close();
            if (e instanceof IllegalArgumentException) {
                throw new IOException(file + ": " + e.getMessage(), e);
            }
            throw e;
        }
    }

    /**
     * The resolved configuration stored in a dino4j run checkpoint.
     *
     * @param file a {@code checkpoint.zip}
     * @return the configuration the run was trained with
     * @throws IOException if the file is not a dino4j checkpoint or its configuration is not valid for this version
     */
    public static DinoConfig config(Path file) throws IOException {
        return config(file, TensorArchive.read(file));
    }

    private static DinoConfig config(Path file, TensorArchive.Content content) throws IOException {
        JsonElement yaml = content.metadata().get("resolved_config");
        if (yaml == null || !yaml.isJsonPrimitive()) {
            throw new IOException(file + " holds no resolved configuration: it is not a dino4j run checkpoint"
                    + " (those are written by 'dino train' as checkpoint.zip)");
        }
        // ConfigLoader reads files; the stored text goes through a temporary one so that every check applies.
        Path tmp = Files.createTempFile("dino4j-checkpoint-config", ".yaml");
        try {
            Files.writeString(tmp, yaml.getAsString());
            return ConfigLoader.load(tmp, List.of());
        } catch (ConfigException e) {
            throw new IOException("the configuration stored in " + file + " is not valid for this version of"
                    + " dino4j: " + e.getMessage().replace(tmp.toString(), "the stored configuration"), e);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static LoadedModel loadDino4j(Path file, TrainingRole role, NDManager manager) throws IOException {
        TensorArchive.Content content = TensorArchive.read(file);
        DinoConfig config = config(file, content);
        MultiCropNetwork net = role == TrainingRole.TEACHER ? ModelFactory.teacher(config.model())
                : ModelFactory.student(config.model());
        net.useKernels(KernelChoice.forEvaluation(config.run()));
        net.initializeWeights(manager, config.seed());
        String prefix = role.key() + "/";
        try (NDManager tmp = manager.newSubManager()) {
            Map<String, NDArray> part = new LinkedHashMap<>();
            content.tensors().forEach((k, t) -> {
                if (k.startsWith(prefix)) {
                    part.put(k.substring(prefix.length()), t.toNDArray(tmp));
                }
            });
            if (part.isEmpty()) {
                throw new IOException(file + " holds no " + role.key() + " network (no tensors named '" + prefix
                        + "…')");
            }
            // The networks of the DINOv2 objective carry a mask token and an iBOT head, which features, attention
            // and the DINO head do not use; anything else the model lacks is an error.
            List<String> extra = new ArrayList<>();
            for (String k : part.keySet()) {
                if (!net.stateDict().containsKey(k)) {
                    extra.add(k);
                }
            }
            List<String> unknown = extra.stream()
                    .filter(k -> !k.equals("backbone.mask_token") && !k.startsWith("ibot_head.")).toList();
            if (!unknown.isEmpty()) {
                throw new IOException(file + " does not fit the model of its own configuration; unexpected tensors: "
                        + unknown);
            }
            if (!extra.isEmpty()) {
                LOG.debug("not loaded from {} (not used for evaluation): {}", file, extra);
                extra.forEach(part::remove);
            }
            try {
                net.loadStateDict(part, true);
            } catch (IllegalArgumentException e) {
                throw new IOException(file + " does not fit the model of its own configuration: " + e.getMessage(),
                        e);
            }
        }
        Backbone backbone = net.backbone();
        return new LoadedModel(manager, backbone, net.head(),
                DataFactory.normalization(config.crops()), config.crops().globalSize(), config,
                role.key() + " of " + file + " (" + describe(backbone) + ")");
    }

    private static LoadedModel loadPytorch(Path file, TrainingRole role, int numHeads, NDManager manager)
            throws IOException {
        Object root = PthReader.read(file);
        LinkedHashMap<String, TorchTensor> backboneTensors = OfficialCheckpoints.backbone(root, role);
        Map<String, Object> args = Map.of();
        LinkedHashMap<String, TorchTensor> headTensors = null;
        String what = "backbone of " + file;
        if (OfficialCheckpoints.isDinoTraining(root)) {
            Map<?, ?> top = (Map<?, ?>) root;
            args = args(top.get("args"));
            LinkedHashMap<String, TorchTensor> network = new LinkedHashMap<>();
            PthReader.stateDict(top.get(role.key()), "checkpoint['" + role.key() + "']")
                    .forEach((k, v) -> network.put(k.startsWith("module.") ? k.substring(7) : k, v));
            headTensors = OfficialCheckpoints.withPrefix(network, "head.");
            what = role.key() + " of " + file;
        }
        Backbone backbone = officialBackbone(backboneTensors, args, numHeads, manager);
        DinoHead head = null;
        if (headTensors != null && !headTensors.isEmpty()) {
            DinoHead.Builder b = OfficialCheckpoints.dinoHeadBuilder(headTensors);
            if (args.get("norm_last_layer") instanceof Boolean normLast) {
                b.optNormLastLayer(normLast);
            }
            DinoHead h = b.build();
            h.useKernels(KernelChoice.forEvaluation());
            h.initializeWeights(manager, 0);
            OfficialCheckpoints.load(h, headTensors, Strictness.STRICT);
            head = h;
        }
        return new LoadedModel(manager, backbone, head, Normalization.IMAGENET, imageSize(backbone), null,
                what + " (" + describe(backbone) + ")");
    }

    private static LoadedModel loadSafetensors(Path file, int numHeads, NDManager manager) throws IOException {
        SafeTensors.Content content = SafeTensors.read(file);
        LinkedHashMap<String, TorchTensor> tensors = content.tensors();
        Map<String, String> meta = content.metadata() == null ? Map.of() : content.metadata();
        LinkedHashMap<String, TorchTensor> backboneTensors = tensors;
        LinkedHashMap<String, TorchTensor> headTensors = null;
        if (tensors.keySet().stream().anyMatch(k -> k.startsWith("backbone."))) {
            backboneTensors = OfficialCheckpoints.withPrefix(tensors, "backbone.");
            headTensors = OfficialCheckpoints.withPrefix(tensors, "head.");
        }
        backboneTensors = OfficialCheckpoints.unchunk(backboneTensors);
        int heads = numHeads;
        if (heads == 0 && meta.containsKey(META_NUM_HEADS)) {
            heads = Integer.parseInt(meta.get(META_NUM_HEADS));
        }
        Backbone backbone = officialBackbone(backboneTensors, Map.of(), heads, manager);
        DinoHead head = null;
        if (headTensors != null && !headTensors.isEmpty()) {
            DinoHead h = OfficialCheckpoints.dinoHeadBuilder(headTensors).build();
            h.useKernels(KernelChoice.forEvaluation());
            h.initializeWeights(manager, 0);
            OfficialCheckpoints.load(h, headTensors, Strictness.STRICT);
            head = h;
        }
        Normalization norm = Normalization.IMAGENET;
        if (meta.containsKey(META_MEAN) && meta.containsKey(META_STD)) {
            norm = new Normalization(doubles(meta.get(META_MEAN)), doubles(meta.get(META_STD)));
        }
        int size = meta.containsKey(META_IMAGE_SIZE) ? Integer.parseInt(meta.get(META_IMAGE_SIZE))
                : imageSize(backbone);
        return new LoadedModel(manager, backbone, head, norm, size, null,
                (head == null ? "backbone" : "backbone and head") + " of " + file + " (" + describe(backbone) + ")");
    }

    /** Builds, initialises and fills the backbone that official tensors describe. */
    private static Backbone officialBackbone(Map<String, TorchTensor> tensors, Map<String, Object> args,
                                             int numHeads, NDManager manager) {
        if (OfficialCheckpoints.isResNet(tensors)) {
            ResNet resNet = OfficialCheckpoints.resNet(tensors);
            resNet.initializeWeights(manager, 0);
            OfficialCheckpoints.load(resNet, tensors, Strictness.STRICT);
            return resNet;
        }
        VisionTransformer.Builder b = OfficialCheckpoints.vitBuilder(tensors, args);
        if (numHeads > 0) {
            b.setNumHeads(numHeads);
        }
        if (tensors.containsKey("register_tokens")) {
            // DINOv2's released register models resample their positions this way (see vitBuilder).
            b.optInterpolation(PositionalEmbedding.Interpolation.OFFSET_0_ANTIALIAS);
        }
        try {
            b.config();
        } catch (IllegalArgumentException e) {
            if (numHeads == 0 && e.getMessage().contains("number of heads")) {
                long d = tensors.get("cls_token").shape()[2];
                throw new IllegalArgumentException("the number of attention heads is not in the tensor shapes and"
                        + " cannot be inferred (embed dim " + d + " is not a multiple of 64 and the file names no"
                        + " known architecture); give it explicitly (a divisor of " + d + ")", e);
            }
            throw e;
        }
        VisionTransformer vit = b.build();
        vit.useKernels(KernelChoice.forEvaluation());
        vit.initializeWeights(manager, 0);
        OfficialCheckpoints.load(vit, tensors, Strictness.STRICT);
        return vit;
    }

    /**
     * Writes part of a checkpoint's networks to a safetensors file under the official names, with metadata that
     * lets dino4j reload it exactly ({@value #META_NUM_HEADS}, {@value #META_IMAGE_SIZE}, {@value #META_MEAN},
     * {@value #META_STD}, {@value #META_PART}) and {@code format: pt} for Python's loaders.
     *
     * @param checkpoint any file {@link #load} reads
     * @param part the teacher backbone alone, or the whole student or teacher
     * @param numHeads the head count of an official ViT whose shapes do not tell it, 0 to infer it (see
     *     {@link #load(Path, TrainingRole, int, NDManager)})
     * @param out the target file (replaced atomically)
     * @param parent the manager under which the model is loaded (and freed before returning)
     * @return what was written
     * @throws IOException if reading or writing fails, or the checkpoint has no head for a whole-network export
     */
    public static ExportSummary exportSafetensors(Path checkpoint, Part part, int numHeads, Path out,
                                                  NDManager parent) throws IOException {
        TrainingRole role = part == Part.STUDENT ? TrainingRole.STUDENT : TrainingRole.TEACHER;
        try (LoadedModel model = load(checkpoint, role, numHeads, parent)) {
            DinoBlock head = null;
            if (part != Part.BACKBONE) {
                if (model.head() == null) {
                    throw new IOException(checkpoint + " holds a backbone only, so there is no whole " + part.cliName()
                            + " to export; export the backbone instead");
                }
                head = model.head().block();
            }
            Map<String, String> meta = new LinkedHashMap<>();
            meta.put("format", "pt");
            meta.put(META_PART, part.cliName());
            if (model.backbone() instanceof VisionTransformer vit) {
                meta.put(META_NUM_HEADS, Integer.toString(vit.numHeads()));
            }
            meta.put(META_IMAGE_SIZE, Integer.toString(model.imageSize()));
            meta.put(META_MEAN, join(model.normalization().mean()));
            meta.put(META_STD, join(model.normalization().std()));
            OfficialCheckpoints.exportSafetensors(out, model.backbone(), head, meta);
            DinoBlock bb = model.backbone().block();
            int tensors = bb.stateDict().size() + (head == null ? 0 : head.stateDict().size());
            long params = bb.parameterCount(false) + (head == null ? 0 : head.parameterCount(false));
            return new ExportSummary(out, tensors, params, model.description());
        }
    }

    /** A one-line description of a backbone's architecture. */
    static String describe(Backbone backbone) {
        if (backbone instanceof VisionTransformer vit) {
            var c = vit.config();
            return "ViT patch " + c.patchSize() + ", D " + c.embedDim() + ", depth " + c.depth() + ", "
                    + c.numHeads() + " heads" + (c.numRegisterTokens() > 0 ? ", " + c.numRegisterTokens()
                    + " registers" : "");
        }
        if (backbone instanceof ResNet r) {
            return "ResNet-" + r.depth();
        }
        return backbone.getClass().getSimpleName();
    }

    private static int imageSize(Backbone backbone) {
        return backbone instanceof VisionTransformer vit ? vit.config().imageSize() : RESNET_IMAGE_SIZE;
    }

    private static Map<String, Object> args(Object value) {
        Map<String, Object> out = new LinkedHashMap<>();
        if (value instanceof PythonObject o) {
            out.putAll(o.attributes());
        } else if (value instanceof Map<?, ?> m) {
            m.forEach((k, v) -> out.put(String.valueOf(k), v));
        }
        return out;
    }

    private static String join(List<Double> values) {
        StringBuilder sb = new StringBuilder();
        for (double v : values) {
            sb.append(sb.length() == 0 ? "" : ",").append(v);
        }
        return sb.toString();
    }

    private static List<Double> doubles(String csv) {
        List<Double> out = new ArrayList<>();
        for (String s : csv.split(",")) {
            out.add(Double.parseDouble(s.trim()));
        }
        return out;
    }
}
