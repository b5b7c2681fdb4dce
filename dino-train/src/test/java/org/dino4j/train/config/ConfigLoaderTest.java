package org.dino4j.train.config;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigLoaderTest {

    /** The experiment files of the repository (tests run in the module directory). */
    static final Path CONFIGS = Path.of("..", "configs");

    @TempDir
    Path tmp;

    @Test
    void defaultsLoadWithTheOfficialValues() {
        DinoConfig c = ConfigLoader.load((Path) null, List.of());

        assertEquals(0, c.seed());
        BackboneConfig b = c.model().backbone();
        assertEquals(new BackboneConfig(BackboneType.VIT, 224, 16, 384, 12, 6, 4.0, true, 0.1, 0, 0.0, FfnType.MLP, PosEmbedInterpolation.OFFSET_0_1_NO_ANTIALIAS, DropPathMode.MASK, false), b);
        assertEquals(new HeadConfig("dino", 65536, 2048, 256, 3, false, true), c.model().head());
        assertNull(c.model().initFrom());
        assertEquals(new DatasetConfig(DatasetType.FOLDER, null, 0), c.data().train());
        assertEquals(new EvalDataConfig(DatasetType.FOLDER, null, null, 0), c.data().eval());
        assertFalse(c.data().eval().isConfigured());
        assertEquals(0, c.data().workers());
        assertEquals(4, c.data().prefetchBatches());
        CropsConfig crops = c.crops();
        assertEquals(224, crops.globalSize());
        assertEquals(new CropScale(0.4, 1.0), crops.globalScale());
        assertEquals(8, crops.localCount());
        assertEquals(10, crops.studentCrops());
        assertEquals(96, crops.localSize());
        assertEquals(new CropScale(0.05, 0.4), crops.localScale());
        assertEquals(0.5, crops.flipP());
        assertEquals(new ColorJitterConfig(0.8, 0.4, 0.4, 0.2, 0.1), crops.colorJitter());
        assertEquals(0.2, crops.grayscaleP());
        assertEquals(new BlurProbabilities(1.0, 0.1, 0.5), crops.blurP());
        assertEquals(new BlurSigma(0.1, 2.0), crops.blurSigma());
        assertEquals(0.2, crops.solarizeP());
        assertEquals(List.of(0.485, 0.456, 0.406), crops.mean());
        assertEquals(List.of(0.229, 0.224, 0.225), crops.std());
        assertEquals(new LossConfig(0.1, 0.04, 0.04, 0, 0.9), c.loss());
        assertEquals(new TeacherConfig(TeacherUpdateMethod.EMA, 0.996, 1.0), c.teacher());
        assertEquals(new OptimConfig(64, 100, 0.0005, 1e-6, 10, 0.04, 0.4, 3.0, 1, new AdamBetas(0.9, 0.999), 1e-8),
                c.optim());
        assertEquals(0.0005 / 4, c.optim().scaledLr(), 1e-15);
        assertEquals(new EvalConfig(List.of(), List.of(20, 1), 0.07), c.eval());
        assertEquals(new RunConfig(10, 1, 0, 0, KernelsType.FUSED, Precision.FP32, 0), c.run());
        assertEquals(c, DinoConfig.defaults());
    }

    @Test
    void fmnistTinyHasTheTinyRecipe() {
        DinoConfig c = ConfigLoader.load(CONFIGS.resolve("fmnist-tiny.yaml"), List.of());

        Path fmnist = Path.of("/usr/share/datasets/fashion-mnist");
        assertEquals(new DatasetConfig(DatasetType.FASHION_MNIST, fmnist, 0), c.data().train());
        assertEquals(new EvalDataConfig(DatasetType.FASHION_MNIST, fmnist, fmnist, 0), c.data().eval());
        assertTrue(c.data().eval().isConfigured());
        assertEquals(new BackboneConfig(BackboneType.VIT, 28, 4, 128, 4, 4, 4.0, true, 0.1, 0, 0.0, FfnType.MLP, PosEmbedInterpolation.OFFSET_0_1_NO_ANTIALIAS, DropPathMode.MASK, false), c.model().backbone());
        assertEquals(new HeadConfig("dino", 1024, 512, 128, 3, false, true), c.model().head());
        assertEquals(28, c.crops().globalSize());
        assertEquals(new CropScale(0.4, 1.0), c.crops().globalScale());
        assertEquals(6, c.crops().localCount());
        assertEquals(12, c.crops().localSize());
        assertEquals(new CropScale(0.05, 0.4), c.crops().localScale());
        assertEquals(List.of(0.2860, 0.2860, 0.2860), c.crops().mean());
        assertEquals(List.of(0.3530, 0.3530, 0.3530), c.crops().std());
        assertEquals(new OptimConfig(128, 5, 5e-4, 1e-6, 1, 0.04, 0.4, 3.0, 1, new AdamBetas(0.9, 0.999), 1e-8),
                c.optim());
        assertEquals(new TeacherConfig(TeacherUpdateMethod.EMA, 0.996, 1.0), c.teacher());
        assertEquals(new LossConfig(0.1, 0.04, 0.04, 0, 0.9), c.loss());
        assertEquals(0, c.seed());
        assertEquals(List.of(0, 1, 2, 4, 5), c.eval().knnEpochs());
    }

    @Test
    void vitSmallRecipeLoads() {
        DinoConfig c = ConfigLoader.load(CONFIGS.resolve("vit-s16-imagenet.yaml"), List.of());

        assertEquals(1024, c.optim().batchSize());
        assertEquals(300, c.optim().epochs());
        assertEquals(0.002, c.optim().scaledLr(), 1e-15);
        assertEquals(new LossConfig(0.1, 0.07, 0.04, 30, 0.9), c.loss());
        assertFalse(c.model().head().normLastLayer());
        assertEquals(65536, c.model().head().outDim());
        assertEquals(16, c.model().backbone().patchSize());
        assertEquals(8, c.crops().localCount());
        assertEquals(0.1, c.model().backbone().dropPathRate());
    }

    @Test
    void overridesApplyAfterTheFileAndParseAsYaml() {
        DinoConfig c = ConfigLoader.load(CONFIGS.resolve("fmnist-tiny.yaml"), List.of(
                "optim.lr=1e-3",
                "optim.epochs=7",
                "eval.knn_epochs=[0,1,2]",
                "teacher.update=previous_epoch",
                "model.head.norm_last_layer=false",
                "crops.global_scale=[0.3, 0.9]",
                "data.train.path=/tmp/images",
                "data.train.type=folder",
                "optim.epochs=6"));

        assertEquals(1e-3, c.optim().lr());
        assertEquals(6, c.optim().epochs(), "the last override wins");
        assertEquals(List.of(0, 1, 2), c.eval().knnEpochs());
        assertEquals(TeacherUpdateMethod.PREVIOUS_EPOCH, c.teacher().update());
        assertFalse(c.model().head().normLastLayer());
        assertEquals(new CropScale(0.3, 0.9), c.crops().globalScale());
        assertEquals(new DatasetConfig(DatasetType.FOLDER, Path.of("/tmp/images"), 0), c.data().train());
        assertEquals(128, c.optim().batchSize(), "keys of the file that are not overridden stay");
    }

    @Test
    void overrideWithEmptyValueUnsetsANullableKey() {
        DinoConfig c = ConfigLoader.load(CONFIGS.resolve("fmnist-tiny.yaml"),
                List.of("data.train.path=", "eval.knn_epochs=[]", "data.eval.test_path=~"));

        assertNull(c.data().train().path());
        assertNull(c.data().eval().testPath());
    }

    @Test
    void listsAreImmutable() {
        DinoConfig c = ConfigLoader.load((Path) null, List.of("eval.knn_epochs=[0]", "data.eval.train_path=a",
                "data.eval.test_path=b"));

        assertThrows(UnsupportedOperationException.class, () -> c.eval().knnEpochs().add(3));
        assertThrows(UnsupportedOperationException.class, () -> c.crops().mean().set(0, 0.0));
    }

    @Test
    void unknownKeyInFileNamesKeyFileAndValidKeys() throws IOException {
        Path file = write("bad.yaml", "optim:\n  learning_rate: 0.1\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));

        assertEquals("Unknown key 'optim.learning_rate' in " + file + "; valid keys in 'optim': [batch_size, betas,"
                + " clip_grad, epochs, eps, freeze_last_layer, lr, min_lr, warmup_epochs, weight_decay,"
                + " weight_decay_end]", e.getMessage());
    }

    @Test
    void unknownTopLevelKey() throws IOException {
        Path file = write("bad.yaml", "optimizer: {lr: 0.1}\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));

        assertEquals("Unknown key 'optimizer' in " + file + "; valid top-level keys: [crops, data, eval, loss, model,"
                + " objective, optim, run, seed, teacher]", e.getMessage());
    }

    @Test
    void unknownKeyInOverrideNamesTheOverride() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load((Path) null, List.of("model.backbone.heads=8")));

        assertEquals("Unknown key 'model.backbone.heads' in --set model.backbone.heads=8; valid keys in"
                + " 'model.backbone': [depth, drop_path_mode, drop_path_rate, drop_path_uniform, embed_dim, ffn,"
                + " image_size, interpolation, layer_scale, mlp_ratio, num_heads, num_register_tokens, patch_size,"
                + " qkv_bias, type]", e.getMessage());
    }

    @Test
    void badEnumValueListsTheValidNames() throws IOException {
        Path file = write("bad.yaml", "teacher:\n  update: momentum\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));

        assertEquals("Bad value for 'teacher.update' in " + file + ": 'momentum'; expected one of [ema,"
                + " previous_epoch, previous_iteration]", e.getMessage());
    }

    @Test
    void badDatasetTypeListsTheValidNames() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load((Path) null, List.of("data.train.type=mnist")));

        assertEquals("Bad value for 'data.train.type' in --set data.train.type=mnist: 'mnist'; expected one of"
                + " [fashion-mnist, folder, idx]", e.getMessage());
    }

    @Test
    void outOfRangeValueNamesTheRange() throws IOException {
        Path file = write("bad.yaml", "crops:\n  flip_p: 1.5\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));

        assertEquals("Bad value for 'crops.flip_p' in " + file + ": 1.5; expected a number in [0, 1]", e.getMessage());
    }

    @Test
    void bf16NeedsTheFusedKernelsAndAViT() {
        ConfigException reference = assertThrows(ConfigException.class,
                () -> ConfigLoader.load((Path) null, List.of("run.precision=bf16", "run.kernels=reference")));
        assertTrue(reference.getMessage().contains("use run.kernels: fused, or run.precision: fp32"),
                reference.getMessage());
        ConfigException resnet = assertThrows(ConfigException.class,
                () -> ConfigLoader.load((Path) null, List.of("run.precision=bf16", "model.backbone.type=resnet",
                        "model.backbone.depth=18")));
        assertTrue(resnet.getMessage().contains("use run.precision: fp32"), resnet.getMessage());
        ConfigException unknown = assertThrows(ConfigException.class,
                () -> ConfigLoader.load((Path) null, List.of("run.precision=fp16")));
        assertTrue(unknown.getMessage().contains("expected one of [bf16, fp32]"), unknown.getMessage());
        assertEquals(Precision.BF16, ConfigLoader.load((Path) null, List.of("run.precision=bf16")).run().precision());
    }

    @Test
    void batchOfOneIsRejected() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load((Path) null, List.of("optim.batch_size=1")));

        assertEquals("Bad value for 'optim.batch_size' in --set optim.batch_size=1: 1; expected an integer >= 2",
                e.getMessage());
    }

    @Test
    void exclusiveBoundsAreShownAsOpenIntervals() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load((Path) null, List.of("model.backbone.drop_path_rate=1.0")));

        assertEquals("Bad value for 'model.backbone.drop_path_rate' in --set model.backbone.drop_path_rate=1.0: 1.0;"
                + " expected a number in [0, 1)", e.getMessage());
        ConfigException temp = assertThrows(ConfigException.class,
                () -> ConfigLoader.load((Path) null, List.of("loss.student_temp=0")));
        assertEquals("Bad value for 'loss.student_temp' in --set loss.student_temp=0: 0; expected a number > 0",
                temp.getMessage());
    }

    @Test
    void listElementOutOfRangeNamesTheElement() throws IOException {
        Path file = write("bad.yaml", "crops:\n  blur_p: [1.0, 0.1, 2.0]\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));

        assertEquals("Bad value for 'crops.blur_p[2]' in " + file + ": 2.0; expected a number in [0, 1]",
                e.getMessage());
    }

    @Test
    void wrongTypeNamesTheExpectedType() throws IOException {
        Path file = write("bad.yaml", "optim:\n  epochs: many\n  lr: fast\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));

        assertEquals("Bad value for 'optim.epochs' in " + file + ": 'many'; expected an integer >= 1", e.getMessage());
        ConfigException fraction = assertThrows(ConfigException.class,
                () -> ConfigLoader.load((Path) null, List.of("optim.epochs=2.5")));
        assertEquals("Bad value for 'optim.epochs' in --set optim.epochs=2.5: 2.5; expected an integer >= 1",
                fraction.getMessage());
    }

    @Test
    void wrongListLengthNamesTheComponents() {
        ConfigException scale = assertThrows(ConfigException.class,
                () -> ConfigLoader.load((Path) null, List.of("crops.global_scale=[0.4]")));
        assertEquals("Bad value for 'crops.global_scale' in --set crops.global_scale=[0.4]: [0.4]; expected a list"
                + " [min, max]", scale.getMessage());

        ConfigException mean = assertThrows(ConfigException.class,
                () -> ConfigLoader.load((Path) null, List.of("crops.mean=[0.5]")));
        assertEquals("Bad value for 'crops.mean' in --set crops.mean=[0.5]: [0.5]; expected a list of 3 numbers",
                mean.getMessage());

        ConfigException k = assertThrows(ConfigException.class,
                () -> ConfigLoader.load((Path) null, List.of("eval.knn_k=[]")));
        assertEquals("Bad value for 'eval.knn_k' in --set eval.knn_k=[]: []; expected a list of at least 1 integers"
                + " >= 1", k.getMessage());
    }

    @Test
    void reversedIntervalIsRejectedByItsRecord() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load((Path) null, List.of("crops.local_scale=[0.4, 0.05]")));

        assertEquals("Bad value for 'crops.local_scale' in --set crops.local_scale=[0.4, 0.05]: [0.4, 0.05]; min 0.4"
                + " is greater than max 0.05; write the interval as [min, max]", e.getMessage());
    }

    @Test
    void missingValueOfRequiredKey() throws IOException {
        Path file = write("bad.yaml", "model:\n  head:\n    out_dim:\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));

        assertEquals("Bad value for 'model.head.out_dim' in " + file + ": null; expected an integer >= 1",
                e.getMessage());
    }

    @Test
    void sectionReplacedByScalarIsRejected() throws IOException {
        Path file = write("bad.yaml", "teacher: ema\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));

        assertEquals("Bad value for 'teacher' in " + file + ": 'ema'; expected a mapping with keys [final_momentum,"
                + " momentum, update]", e.getMessage());
    }

    @Test
    void cropSizeNotDivisibleByPatchSize() throws IOException {
        Path file = write("bad.yaml", "crops:\n  global_size: 30\nmodel:\n  backbone: {image_size: 28, patch_size: 4}\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));

        assertEquals("Inconsistent configuration: crops.global_size = 30 (from " + file + ") is not divisible by"
                + " model.backbone.patch_size = 4 (from " + file + "); use a multiple of 4, e.g. 28 or 32",
                e.getMessage());
    }

    @Test
    void localCropSizeIsCheckedAgainstThePatchFromAnotherLayer() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(CONFIGS.resolve("fmnist-tiny.yaml"), List.of("model.backbone.patch_size=7",
                        "model.backbone.image_size=28", "crops.global_size=28")));

        assertEquals("Inconsistent configuration: crops.local_size = 12 (from " + CONFIGS.resolve("fmnist-tiny.yaml")
                + ") is not divisible by model.backbone.patch_size = 7 (from --set model.backbone.patch_size=7); use a"
                + " multiple of 7, e.g. 7 or 14", e.getMessage());
    }

    @Test
    void embedDimNotDivisibleByHeads() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load((Path) null, List.of("model.backbone.num_heads=5")));

        assertEquals("Inconsistent configuration: model.backbone.embed_dim = 384 (from default.yaml) is not divisible"
                + " by model.backbone.num_heads = 5 (from --set model.backbone.num_heads=5); use a multiple of 5, e.g."
                + " 380 or 385", e.getMessage());
    }

    @Test
    void resnetBackboneSkipsTheVitChecksAndChecksItsDepth() {
        // crop 28 is not a multiple of patch 16, which only matters for a ViT
        DinoConfig c = ConfigLoader.load((Path) null, List.of("model.backbone.type=resnet",
                "model.backbone.depth=50", "crops.global_size=28", "crops.local_size=12"));
        assertEquals(BackboneType.RESNET, c.model().backbone().type());
        assertEquals(2048, c.model().backbone().featureDim());

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load((Path) null,
                List.of("model.backbone.type=resnet", "model.backbone.depth=12")));
        assertTrue(e.getMessage().contains("model.backbone.depth = 12"), e.getMessage());
        assertTrue(e.getMessage().contains("18, 34, 50, 101 or 152"), e.getMessage());
    }

    @Test
    void ibotWithAResnetIsRejected() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load((Path) null,
                List.of("model.backbone.type=resnet", "model.backbone.depth=18", "objective.ibot_weight=1.0")));
        assertTrue(e.getMessage().contains("needs a ViT backbone"), e.getMessage());
    }

    @Test
    void unknownHeadTypeListsTheRegisteredHeads() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load((Path) null,
                List.of("model.head.type=dino_v3")));
        assertTrue(e.getMessage().contains("model.head.type"), e.getMessage());
        assertTrue(e.getMessage().contains("dino"), e.getMessage());
    }

    @Test
    void dinov2ArchitectureOptionsBind() {
        DinoConfig c = ConfigLoader.load((Path) null, List.of("model.backbone.num_register_tokens=4",
                "model.backbone.layer_scale=1.0e-5", "model.backbone.ffn=swiglu",
                "model.backbone.interpolation=offset0_aa", "model.init_from=weights.pth"));
        BackboneConfig b = c.model().backbone();
        assertEquals(4, b.numRegisterTokens());
        assertEquals(1e-5, b.layerScale());
        assertEquals(FfnType.SWIGLU, b.ffn());
        assertEquals(PosEmbedInterpolation.OFFSET_0_ANTIALIAS, b.interpolation());
        assertEquals(Path.of("weights.pth"), c.model().initFrom());

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load((Path) null,
                List.of("model.backbone.interpolation=bilinear")));
        assertTrue(e.getMessage().contains("offset0.1_noaa") && e.getMessage().contains("offset0_aa"),
                e.getMessage());
    }

    @Test
    void freezingLongerThanTrainingIsRejected() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load((Path) null, List.of("optim.epochs=3", "optim.warmup_epochs=0",
                        "optim.freeze_last_layer=4")));

        assertEquals("Inconsistent configuration: optim.freeze_last_layer = 4 (from --set optim.freeze_last_layer=4)"
                + " is greater than optim.epochs = 3 (from --set optim.epochs=3), so the last layer would never train;"
                + " use at most 3", e.getMessage());
    }

    @Test
    void knnEpochsNeedEvaluationData() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load((Path) null, List.of("eval.knn_epochs=[0, 10]")));

        assertEquals("Inconsistent configuration: eval.knn_epochs = [0, 10] (from --set eval.knn_epochs=[0, 10]) asks"
                + " for k-NN evaluation, but data.eval.train_path and data.eval.test_path are not set; set both or use"
                + " eval.knn_epochs: []", e.getMessage());
    }

    @Test
    void knnEpochAfterTheLastEpochIsRejected() {
        ConfigException e = assertThrows(ConfigException.class,
                () -> ConfigLoader.load(CONFIGS.resolve("fmnist-tiny.yaml"), List.of("optim.epochs=4")));

        assertEquals("Inconsistent configuration: eval.knn_epochs contains 5 (from " + CONFIGS.resolve("fmnist-tiny.yaml")
                + "), after the last epoch: optim.epochs = 4 (from --set optim.epochs=4); use epochs in [0, 4]",
                e.getMessage());
    }

    @Test
    void malformedOverride() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load((Path) null, List.of("optim.lr")));

        assertEquals("Bad override 'optim.lr'; expected key=value with a dotted key path, e.g. optim.lr=1e-3 or"
                + " eval.knn_epochs=[0,1,2]", e.getMessage());
    }

    @Test
    void missingFile() {
        Path file = tmp.resolve("absent.yaml");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));

        assertEquals("Config file not found: " + file, e.getMessage());
    }

    @Test
    void yamlSyntaxErrorNamesFileAndLine() throws IOException {
        Path file = write("bad.yaml", "optim:\n  betas: [0.9, 0.999\n  lr: 1\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));

        assertTrue(e.getMessage().startsWith("Cannot parse " + file + " at line 3, column "), e.getMessage());
    }

    @Test
    void duplicateKeyIsAnError() throws IOException {
        Path file = write("bad.yaml", "seed: 1\nseed: 2\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));

        assertEquals("Cannot parse " + file + " at line 2, column 5: Duplicate field 'seed'", e.getMessage());
    }

    @Test
    void topLevelMustBeAMapping() throws IOException {
        Path file = write("bad.yaml", "- optim\n");

        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file, List.of()));

        assertEquals(file + " must hold a mapping of sections at the top level (such as 'optim:'), but holds"
                + " ['optim']", e.getMessage());
    }

    @Test
    void emptyFileMeansDefaults() throws IOException {
        Path file = write("empty.yaml", "# nothing changed\n");

        assertEquals(DinoConfig.defaults(), ConfigLoader.load(file, List.of()));
    }

    @Test
    void yamlRoundTripGivesAnEqualConfig() throws IOException {
        for (DinoConfig c : List.of(
                DinoConfig.defaults(),
                ConfigLoader.load(CONFIGS.resolve("fmnist-tiny.yaml"), List.of()),
                ConfigLoader.load(CONFIGS.resolve("vit-s16-imagenet.yaml"), List.of("optim.min_lr=1.0e-10",
                        "data.train.path='/data/with: colon #and \"quotes\"'", "seed=12345678901",
                        "optim.weight_decay_end=1e10")))) {
            Path file = write("resolved.yaml", ConfigLoader.toYaml(c));

            assertEquals(c, ConfigLoader.load(file, List.of()));
        }
    }

    @Test
    void resolvedYamlHasEveryKeyInTheDefaultLayout() throws IOException {
        DinoConfig c = ConfigLoader.load(CONFIGS.resolve("fmnist-tiny.yaml"), List.of());

        Path written = ConfigLoader.writeResolved(c, tmp);

        assertEquals(tmp.resolve(ConfigLoader.RESOLVED_CONFIG_FILE), written);
        String yaml = Files.readString(written);
        assertTrue(yaml.contains("\n  backbone:\n    type: vit\n    image_size: 28\n    patch_size: 4\n"), yaml);
        assertTrue(yaml.contains("\n  global_scale: [0.4, 1.0]\n"), yaml);
        assertTrue(yaml.contains("\n    path: \"/usr/share/datasets/fashion-mnist\"\n"), yaml);
        assertTrue(yaml.contains("\n  knn_epochs: [0, 1, 2, 4, 5]\n"), yaml);
        assertTrue(yaml.contains("\n  lr: 0.0005\n  min_lr: 1.0e-6\n"), yaml);
        assertEquals(c, ConfigLoader.loadResolved(tmp, List.of()));
        assertEquals(7, ConfigLoader.loadResolved(tmp, List.of("optim.epochs=7")).optim().epochs());
    }

    @Test
    void loadResolvedOfADirectoryWithoutConfig() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.loadResolved(tmp, List.of()));

        assertEquals("No resolved-config.yaml in " + tmp + "; expected a run directory, which holds the configuration"
                + " it was trained with", e.getMessage());
    }

    @Test
    void packagedDefaultsAreTheRepositoryFile() throws IOException {
        // one source of truth: the jar resource is copied from configs/default.yaml by the build
        try (InputStream in = ConfigLoader.class.getResourceAsStream("default.yaml")) {
            assertArrayEquals(Files.readAllBytes(CONFIGS.resolve("default.yaml")), in.readAllBytes());
        }
    }

    private Path write(String name, String yaml) throws IOException {
        return Files.writeString(tmp.resolve(name), yaml, StandardCharsets.UTF_8);
    }
}
