package org.dino4j.train.loop;

import org.dino4j.train.data.ImageDataset;
import org.dino4j.train.augment.FloatImage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ProgressTest {

    @AfterEach
    void reset() {
        System.clearProperty(Progress.PROPERTY);
        Progress.redirect(null);
    }

    @Test
    void modeComesFromTheSystemProperty() {
        assertEquals(Progress.Mode.AUTO, Progress.mode());
        System.setProperty(Progress.PROPERTY, "BAR");
        assertEquals(Progress.Mode.BAR, Progress.mode());
        assertTrue(Progress.showsBars());
        Progress.quiet();
        assertEquals(Progress.Mode.LOG, Progress.mode());
        assertFalse(Progress.showsBars());

        System.setProperty(Progress.PROPERTY, "fancy");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, Progress::mode);
        assertEquals("-Ddino.progress=fancy is not a progress mode; use one of [auto, bar, log]", e.getMessage());
    }

    @Test
    void barShowsTaskEtaImagesPerSecondAndRunningLoss() {
        System.setProperty(Progress.PROPERTY, "bar");
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        Progress.redirect(() -> new PrintStream(captured, true, StandardCharsets.UTF_8));

        double running;
        try (Progress.Bar bar = Progress.start("epoch 1/3", 10, 2, "it", null)) {
            assertTrue(bar.visible());
            bar.step(128, 6.0);
            bar.step(128, 5.0);
            running = bar.runningLoss();
            assertEquals(4, bar.done());
        }

        // bias-corrected average: (0.9 * 0.1 * 6 + 0.1 * 5) / (1 - 0.9^2)
        assertEquals((0.09 * 6 + 0.1 * 5) / 0.19, running, 1e-12);
        String out = captured.toString(StandardCharsets.UTF_8);
        assertTrue(out.contains("epoch 1/3"), out);
        assertTrue(out.contains("4/10"), out);
        assertTrue(out.contains("img/s"), out);
        assertTrue(out.contains("loss 5.47"), out);
    }

    @Test
    void logModeDrawsNothingAndSummarisesOnOneLine() {
        Progress.quiet();
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        Progress.redirect(() -> new PrintStream(captured, true, StandardCharsets.UTF_8));

        String summary;
        try (Progress.Bar bar = Progress.start("k-NN features", 100, 0, "img", LoggerFactory.getLogger("test"))) {
            assertFalse(bar.visible());
            bar.stepBy(40);
            summary = bar.summary();
        }

        assertEquals("", captured.toString(StandardCharsets.UTF_8));
        assertTrue(summary.matches("40/100 img, [0-9.]+ img/s, ETA \\d+:\\d\\d"), summary);
    }

    @Test
    void trackCountsEveryDecodedImage() {
        Progress.quiet();
        ImageDataset data = new ImageDataset() {
            @Override
            public int size() {
                return 5;
            }

            @Override
            public FloatImage image(int i) {
                return new FloatImage(1, 2, 2, new float[] {i, 0, 0, 1});
            }

            @Override
            public int label(int i) {
                return i % 2;
            }

            @Override
            public List<String> classNames() {
                return List.of("even", "odd");
            }
        };

        try (Progress.Bar bar = Progress.start("features", data.size(), 0, "img", null)) {
            ImageDataset tracked = bar.track(data);
            assertEquals(5, tracked.size());
            for (int i = 0; i < tracked.size(); i++) {
                assertEquals(data.image(i), tracked.image(i));
                assertEquals(data.label(i), tracked.label(i));
            }
            assertEquals(data.classNames(), tracked.classNames());
            assertEquals(5, bar.done());
        }
    }

    @Test
    void inconsistentCountsAreRejected() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Progress.start("epoch 1/1", 10, 11, "it", null));
        assertEquals("progress of 'epoch 1/1' needs 0 <= done <= total, got done 11 of 10", e.getMessage());
    }
}
