package org.dino4j.train.report;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsHistoryTest {

    @Test
    void aResumedRunsRepeatedLinesCountOnceWithTheLaterValue(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("metrics.jsonl"), String.join("\n",
                "{\"type\":\"eval\",\"epoch\":0,\"knn_k20_top1\":30.0,\"knn_k1_top1\":25.0}",
                train(9, 0, 6.0, 100), train(19, 0, 5.0, 200), train(29, 1, 4.5, 210),
                // interrupted after iteration 29, resumed from the checkpoint at iteration 20
                train(29, 1, 4.4, 190), train(39, 1, 4.0, 205),
                "{\"type\":\"eval\",\"epoch\":2,\"knn_k20_top1\":61.5,\"knn_k1_top1\":55.0}", ""));

        MetricsHistory h = MetricsHistory.read(dir);

        assertEquals(List.of(9L, 19L, 29L, 39L), h.steps().stream().map(MetricsHistory.TrainPoint::iteration).toList());
        assertEquals(4.4, h.steps().get(2).loss());
        assertEquals(40, h.iterations());
        assertEquals(List.of(20, 1), h.ks());
        assertEquals(30.0, h.initial().orElseThrow().top1ByK().get(20));
        assertEquals(55.0, h.latest().orElseThrow().top1ByK().get(1));
        assertEquals(200, h.medianImagesPerSecond(), 1e-9, "median of 200, 190, 205 (first window left out)");
    }

    @Test
    void noFileIsAnEmptyHistory(@TempDir Path dir) throws IOException {
        MetricsHistory h = MetricsHistory.read(dir);

        assertTrue(h.steps().isEmpty() && h.evaluations().isEmpty());
        assertTrue(h.latest().isEmpty());
        assertTrue(Double.isNaN(h.medianImagesPerSecond()));
    }

    @Test
    void onlyARandomInitEvaluationHasNoLatest(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("metrics.jsonl"), "{\"type\":\"eval\",\"epoch\":0,\"knn_k20_top1\":30.0}\n");

        MetricsHistory h = MetricsHistory.read(dir);

        assertTrue(h.initial().isPresent());
        assertTrue(h.latest().isEmpty());
    }

    static String train(long iteration, int epoch, double loss, double ips) {
        return String.format(java.util.Locale.ROOT, "{\"type\":\"train\",\"epoch\":%d,\"iteration\":%d,\"loss\":%s,"
                + "\"lr\":1.0E-4,\"wd\":0.04,\"momentum\":0.996,\"teacher_temp\":0.04,\"images_per_s\":%s,"
                + "\"augment_images_per_s\":900.0}", epoch, iteration, loss, ips);
    }
}
