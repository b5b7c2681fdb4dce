package org.dino4j.core.testing;

import org.dino4j.core.io.TensorManifest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Locates parity fixtures: the directory named by the system property {@code dino.fixtures} when it is set (the
 * same folder structure as {@code src/test/resources/fixtures}, possibly made with other seeds), else the copy in
 * this module's test resources.
 */
public final class Fixtures {

    /** The system property that overrides the fixture root. */
    public static final String PROPERTY = "dino.fixtures";

    private Fixtures() {}

    /** The fixture root in use. */
    public static Path root() {
        String override = System.getProperty(PROPERTY);
        if (override != null && !override.isBlank()) {
            return Path.of(override);
        }
        return Path.of("src", "test", "resources", "fixtures");
    }

    /**
     * Opens one fixture by name.
     *
     * @param name the fixture folder, e.g. {@code dino_vit_forward}
     * @return its manifest
     */
    public static TensorManifest open(String name) {
        Path dir = root().resolve(name);
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("fixture " + name + " not found under " + root().toAbsolutePath()
                    + " (set -D" + PROPERTY + "=DIR to a fixture root)");
        }
        try {
            return TensorManifest.open(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
