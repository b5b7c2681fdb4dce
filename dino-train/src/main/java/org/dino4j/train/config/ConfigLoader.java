package org.dino4j.train.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Loads a {@link DinoConfig} in three layers: {@code configs/default.yaml} (packaged in this jar; the only place
 * defaults are written) &lt;- an experiment file with only the keys it changes &lt;- {@code --set a.b=c} overrides,
 * then checks every value and the constraints between values.
 *
 * <p>Errors are {@link ConfigException}s whose message names the key path, what would be valid and the layer the
 * value came from, e.g.
 * {@code Unknown key 'optim.learning_rate' in configs/x.yaml; valid keys in 'optim': [batch_size, ...]}.
 *
 * <p>Override values are parsed as YAML: {@code optim.lr=1e-3}, {@code eval.knn_epochs=[0,1,2]},
 * {@code data.train.type=folder}; an empty value is {@code null}.
 */
public final class ConfigLoader {

    /** How the packaged defaults are named in error messages. */
    public static final String DEFAULTS_SOURCE = "default.yaml";
    /** The file every run directory holds: the configuration with every key, as used by the run. */
    public static final String RESOLVED_CONFIG_FILE = "resolved-config.yaml";

    private static final String DEFAULTS_RESOURCE = "default.yaml";
    private static final Pattern OVERRIDE_KEY = Pattern.compile("[A-Za-z0-9_-]+(\\.[A-Za-z0-9_-]+)*");
    private static final YAMLMapper MAPPER = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    private ConfigLoader() {}

    /**
     * Loads the defaults, layers {@code file} and then {@code overrides} over them, binds and checks the result.
     *
     * @param file an experiment YAML file with the keys that differ from the defaults; {@code null} for the defaults
     * @param overrides {@code key.path=value} strings applied in order after the file (may be empty)
     * @return the checked configuration
     * @throws ConfigException if the file cannot be read or parsed, a key is unknown, a value is invalid or values
     *     contradict each other
     */
    public static DinoConfig load(Path file, List<String> overrides) {
        return load(file == null ? List.of() : List.of(file), overrides);
    }

    /**
     * Loads the defaults, layers each file in order (later files win, e.g. an experiment file and then
     * {@code configs/dinov2.yaml}) and then {@code overrides}, binds and checks the result.
     *
     * @param files experiment YAML files, in layering order (may be empty)
     * @param overrides {@code key.path=value} strings applied in order after the files (may be empty)
     * @return the checked configuration
     * @throws ConfigException if a file cannot be read or parsed, a key is unknown, a value is invalid or values
     *     contradict each other
     */
    public static DinoConfig load(List<Path> files, List<String> overrides) {
        LayeredTree tree = new LayeredTree();
        tree.merge(parse(readDefaults(), DEFAULTS_SOURCE), DEFAULTS_SOURCE);
        for (Path file : files) {
            tree.merge(parse(readFile(file), file.toString()), file.toString());
        }
        for (String override : overrides == null ? List.<String>of() : overrides) {
            applyOverride(tree, override);
        }
        DinoConfig config = new RecordBinder(tree).bindRecord(DinoConfig.class, tree.root(), "");
        ConfigChecks.check(config, tree);
        return config;
    }

    /**
     * Loads the {@value #RESOLVED_CONFIG_FILE} of a run directory, e.g. to resume or evaluate the run, with optional
     * overrides on top.
     *
     * @param runDir a run directory
     * @param overrides {@code key.path=value} strings (may be empty)
     * @throws ConfigException if the directory has no resolved configuration or it is invalid
     */
    public static DinoConfig loadResolved(Path runDir, List<String> overrides) {
        Path file = runDir.resolve(RESOLVED_CONFIG_FILE);
        if (!Files.isRegularFile(file)) {
            throw new ConfigException("No " + RESOLVED_CONFIG_FILE + " in " + runDir
                    + "; expected a run directory, which holds the configuration it was trained with");
        }
        return load(file, overrides);
    }

    /**
     * The configuration as YAML with every key, in the layout of {@code default.yaml};
     * {@code load(file holding toYaml(c), [])} equals {@code c}.
     *
     * @param config a configuration
     * @return its YAML text
     */
    public static String toYaml(DinoConfig config) {
        return "# Resolved dino4j configuration: every key, defaults included.\n" + YamlWriter.write(config);
    }

    /**
     * Writes {@link #toYaml} to {@code runDir/}{@value #RESOLVED_CONFIG_FILE}, atomically where the file system
     * allows, so that a reader never sees half a file.
     *
     * @param config the configuration of the run
     * @param runDir the run directory (must exist)
     * @return the written file
     * @throws IOException if the file cannot be written
     */
    public static Path writeResolved(DinoConfig config, Path runDir) throws IOException {
        Path target = runDir.resolve(RESOLVED_CONFIG_FILE);
        Path tmp = runDir.resolve(RESOLVED_CONFIG_FILE + ".tmp");
        Files.writeString(tmp, toYaml(config), StandardCharsets.UTF_8);
        try {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
        return target;
    }

    private static void applyOverride(LayeredTree tree, String override) {
        int eq = override.indexOf('=');
        String key = eq < 0 ? override : override.substring(0, eq).trim();
        if (eq < 0 || !OVERRIDE_KEY.matcher(key).matches()) {
            throw new ConfigException("Bad override '" + override + "'; expected key=value with a dotted key path, "
                    + "e.g. optim.lr=1e-3 or eval.knn_epochs=[0,1,2]");
        }
        String source = "--set " + override;
        JsonNode value;
        try {
            value = MAPPER.readTree(override.substring(eq + 1));
        } catch (JsonProcessingException e) {
            throw new ConfigException("Bad override '" + override + "': the value is not valid YAML ("
                    + parserMessage(e) + ")", e);
        }
        tree.set(key, value == null || value.isMissingNode() ? JsonNodeFactory.instance.nullNode() : value, source);
    }

    private static String readDefaults() {
        try (InputStream in = ConfigLoader.class.getResourceAsStream(DEFAULTS_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("org/dino4j/train/config/" + DEFAULTS_RESOURCE
                        + " is missing from the classpath; the dino-train jar is incomplete");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the packaged " + DEFAULTS_RESOURCE, e);
        }
    }

    private static String readFile(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            String relative = file.isAbsolute() ? ""
                    : " (relative to the working directory " + Path.of("").toAbsolutePath() + ")";
            throw new ConfigException("Config file not found: " + file + relative, e);
        } catch (IOException e) {
            throw new ConfigException("Cannot read config file " + file + ": " + e, e);
        }
    }

    private static ObjectNode parse(String yaml, String source) {
        JsonNode node;
        try {
            node = MAPPER.readTree(yaml);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new ConfigException("Cannot parse " + source + where + ": " + parserMessage(e), e);
        }
        if (node == null || node.isMissingNode() || node.isNull()) {
            return JsonNodeFactory.instance.objectNode(); // an empty file changes nothing
        }
        if (!node.isObject()) {
            throw new ConfigException(source + " must hold a mapping of sections at the top level (such as 'optim:'),"
                    + " but holds " + RecordBinder.show(node));
        }
        return (ObjectNode) node;
    }

    /** The parser's own message on one line, without Jackson's source excerpt. */
    private static String parserMessage(JsonProcessingException e) {
        return e.getOriginalMessage().replaceAll("\\s+", " ").trim();
    }
}
