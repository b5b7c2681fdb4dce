package org.dino4j.train.report;

import org.dino4j.train.config.ConfigLoader;
import org.dino4j.train.config.DinoConfig;
import org.dino4j.train.config.DatasetType;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code configs/quickstart.yaml}: valid, on the embedded data, and within the quick start's time budget. */
class QuickstartConfigTest {

    static final Path CONFIG = Path.of("..", "configs", "quickstart.yaml");

    @Test
    void loadsAndPointsAtTheEmbeddedDatasetRelativeToItsFolder() {
        DinoConfig c = ConfigLoader.load(CONFIG, List.of());

        Path configDir = CONFIG.toAbsolutePath().getParent();
        Path embedded = QuickstartDatasetTest.EMBEDDED.toAbsolutePath().normalize();
        assertEquals(DatasetType.FASHION_MNIST, c.data().train().type());
        for (Path p : List.of(c.data().train().path(), c.data().eval().trainPath(), c.data().eval().testPath())) {
            assertFalse(p.isAbsolute(), "relative, so the checkout can live anywhere: " + p);
            assertEquals(embedded, configDir.resolve(p).normalize());
        }
        assertTrue(Files.isDirectory(embedded));
    }

    @Test
    void evaluatesTheRandomInitAndTheTrainedBackbone() {
        DinoConfig c = ConfigLoader.load(CONFIG, List.of());

        assertTrue(c.eval().knnEpochs().contains(0), "random init");
        assertTrue(c.eval().knnEpochs().contains(c.optim().epochs()), "trained teacher");
        assertEquals(List.of(20, 1), c.eval().knnK());
    }

    /**
     * The quick start must finish in 10 minutes on 2 cores: about 1.6 s per step of 128 images for this model
     * leaves room for some 250 steps next to the k-NN evaluations and the pictures.
     */
    @Test
    void staysWithinTheStepBudget() {
        DinoConfig c = ConfigLoader.load(CONFIG, List.of());

        int stepsPerEpoch = 10_000 / c.optim().batchSize();
        long steps = (long) stepsPerEpoch * c.optim().epochs();
        assertTrue(steps <= 260, steps + " steps");
        assertEquals(0, c.crops().globalSize() % c.model().backbone().patchSize());
        assertEquals(0, c.crops().localSize() % c.model().backbone().patchSize());
    }
}
