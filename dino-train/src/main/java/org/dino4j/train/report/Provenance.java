package org.dino4j.train.report;

import ai.djl.engine.Engine;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * What produced a run: the dino4j version and git commit, the DJL and PyTorch versions, the seed and the machine.
 * A run directory keeps it as {@value #FILE} next to {@code resolved-config.yaml} (a separate file, so the resolved
 * configuration stays exactly what {@code ConfigLoader} writes and compares on resume).
 *
 * @param dino4jVersion the version of the dino-train jar, or {@code dev} when run from classes
 * @param gitCommit the commit the sources were checked out at, or null when no git checkout is found
 * @param djlVersion the DJL version
 * @param pytorchVersion the PyTorch (libtorch) version of the engine
 * @param seed the seed of the run
 * @param javaVersion the Java runtime version
 * @param os the operating system and architecture
 * @param cpus the processors available to the JVM
 * @param created when this record was collected (UTC, seconds)
 */
public record Provenance(String dino4jVersion, String gitCommit, String djlVersion, String pytorchVersion, long seed,
                         String javaVersion, String os, int cpus, String created) {

    /** File name in a run directory. */
    public static final String FILE = "provenance.yaml";

    private static final Pattern SHA = Pattern.compile("[0-9a-f]{40}([0-9a-f]{24})?");
    private static final YAMLMapper YAML = new YAMLMapper();

    /**
     * Collects the provenance of a run in this JVM; starts the engine if it has not started.
     *
     * @param seed the seed of the run
     * @param searchFrom where to look for the git checkout (the folder and its parents); the location of the dino4j
     *     classes and the working directory are searched after it. May be null.
     * @return the provenance
     */
    public static Provenance collect(long seed, Path searchFrom) {
        List<Path> starts = new ArrayList<>();
        if (searchFrom != null) {
            starts.add(searchFrom);
        }
        codeLocation().ifPresent(starts::add);
        starts.add(Path.of("").toAbsolutePath());
        String commit = null;
        for (Path start : starts) {
            commit = gitCommit(start);
            if (commit != null) {
                break;
            }
        }
        return new Provenance(currentDino4jVersion(), commit, Engine.getDjlVersion(), Engine.getInstance().getVersion(),
                seed, System.getProperty("java.version"),
                System.getProperty("os.name") + " " + System.getProperty("os.arch"),
                Runtime.getRuntime().availableProcessors(), Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
    }

    /**
     * The version of dino4j: from the Maven metadata of the dino-train jar, else {@code dev}.
     *
     * @return e.g. {@code 0.1.0-SNAPSHOT}
     */
    public static String currentDino4jVersion() {
        try (InputStream in = Provenance.class.getResourceAsStream(
                "/META-INF/maven/org.dino4j/dino-train/pom.properties")) {
            if (in != null) {
                Properties p = new Properties();
                p.load(in);
                String v = p.getProperty("version");
                if (v != null && !v.isBlank()) {
                    return v.trim();
                }
            }
        } catch (IOException e) {
            // fall through to the manifest
        }
        String v = Provenance.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /**
     * The commit checked out in the git repository that holds {@code start}, read from the files of its {@code .git}
     * folder (no git program needed): {@code HEAD}, then the loose ref or {@code packed-refs}. Uncommitted changes
     * are not detected.
     *
     * @param start a folder inside the checkout (the nearest {@code .git} above it is used)
     * @return the 40-hex commit id, or null if there is no readable checkout
     */
    public static String gitCommit(Path start) {
        for (Path dir = start.toAbsolutePath().normalize(); dir != null; dir = dir.getParent()) {
            Path dotGit = dir.resolve(".git");
            if (Files.exists(dotGit)) {
                try {
                    return commitOf(dotGit);
                } catch (IOException e) {
                    return null;
                }
            }
        }
        return null;
    }

    private static String commitOf(Path dotGit) throws IOException {
        Path gitDir = dotGit;
        if (Files.isRegularFile(dotGit)) {
            // a worktree or submodule: ".git" is a file "gitdir: <path>"
            String line = Files.readString(dotGit, StandardCharsets.UTF_8).trim();
            if (!line.startsWith("gitdir:")) {
                return null;
            }
            gitDir = dotGit.getParent().resolve(line.substring("gitdir:".length()).trim()).normalize();
        }
        String head = Files.readString(gitDir.resolve("HEAD"), StandardCharsets.UTF_8).trim();
        if (SHA.matcher(head).matches()) {
            return head; // detached HEAD
        }
        if (!head.startsWith("ref:")) {
            return null;
        }
        String ref = head.substring("ref:".length()).trim();
        // a worktree keeps its HEAD but shares refs with the main repository named in "commondir"
        Path common = gitDir;
        Path commondir = gitDir.resolve("commondir");
        if (Files.isRegularFile(commondir)) {
            common = gitDir.resolve(Files.readString(commondir, StandardCharsets.UTF_8).trim()).normalize();
        }
        for (Path base : List.of(gitDir, common)) {
            Path loose = base.resolve(ref);
            if (Files.isRegularFile(loose)) {
                String id = Files.readString(loose, StandardCharsets.UTF_8).trim();
                return SHA.matcher(id).matches() ? id : null;
            }
        }
        Path packed = common.resolve("packed-refs");
        if (Files.isRegularFile(packed)) {
            for (String line : Files.readAllLines(packed, StandardCharsets.UTF_8)) {
                String[] parts = line.trim().split(" ");
                if (parts.length == 2 && parts[1].equals(ref) && SHA.matcher(parts[0]).matches()) {
                    return parts[0];
                }
            }
        }
        return null;
    }

    private static Optional<Path> codeLocation() {
        try {
            CodeSource cs = Provenance.class.getProtectionDomain().getCodeSource();
            return cs == null || cs.getLocation() == null ? Optional.empty()
                    : Optional.of(Path.of(cs.getLocation().toURI()));
        } catch (URISyntaxException | SecurityException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /** The fields as an ordered map, with the key names used in {@value #FILE}. */
    public Map<String, Object> asMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dino4j_version", dino4jVersion);
        m.put("git_commit", gitCommit);
        m.put("djl_version", djlVersion);
        m.put("pytorch_version", pytorchVersion);
        m.put("seed", seed);
        m.put("java", javaVersion);
        m.put("os", os);
        m.put("cpus", cpus);
        m.put("created", created);
        return m;
    }

    /**
     * Writes {@code runDir/}{@value #FILE}.
     *
     * @param runDir the run directory (must exist)
     * @return the file
     */
    public Path write(Path runDir) {
        Path file = runDir.resolve(FILE);
        try {
            String body = YAML.writeValueAsString(asMap()).replaceFirst("^---\\s*\\n", "");
            Files.writeString(file, "# What produced this run; its configuration is resolved-config.yaml.\n" + body,
                    StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
        return file;
    }

    /**
     * Reads {@code runDir/}{@value #FILE}.
     *
     * @param runDir a run directory
     * @return the provenance
     * @throws IOException if the file is missing or not a provenance file
     */
    public static Provenance read(Path runDir) throws IOException {
        Path file = runDir.resolve(FILE);
        JsonNode n;
        try {
            n = YAML.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            throw new IOException(file + " is not valid YAML: " + e.getOriginalMessage(), e);
        }
        if (n == null || !n.isObject() || !n.hasNonNull("seed")) {
            throw new IOException(file + " is not a provenance file: expected a mapping with dino4j_version, "
                    + "git_commit, djl_version, pytorch_version, seed, ...");
        }
        return new Provenance(text(n, "dino4j_version"), text(n, "git_commit"), text(n, "djl_version"),
                text(n, "pytorch_version"), n.get("seed").asLong(), text(n, "java"), text(n, "os"),
                n.path("cpus").asInt(0), text(n, "created"));
    }

    private static String text(JsonNode n, String key) {
        JsonNode v = n.get(key);
        return v == null || v.isNull() ? null : v.asText();
    }
}
