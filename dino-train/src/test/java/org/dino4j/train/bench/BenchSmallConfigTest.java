package org.dino4j.train.bench;

import org.dino4j.train.config.ConfigLoader;
import org.dino4j.train.config.DinoConfig;
import org.dino4j.train.eval.TrainingFlops;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code configs/bench-small.yaml} is the model of the performance issue, at its stated cost. */
class BenchSmallConfigTest {

    private final DinoConfig config = ConfigLoader.load(BenchConfigs.BENCH_SMALL, List.of());

    @Test
    void holdsTheIssuesModel() {
        var b = config.model().backbone();
        var h = config.model().head();
        assertEquals(List.of(32, 4, 192, 6, 3), List.of(b.imageSize(), b.patchSize(), b.embedDim(), b.depth(),
                b.numHeads()));
        assertEquals(0.0, b.dropPathRate());
        assertEquals(List.of(4096L, 2048L, 256L), List.of((long) h.outDim(), (long) h.hiddenDim(),
                (long) h.bottleneckDim()));
        assertEquals(List.of(32, 16, 6), List.of(config.crops().globalSize(), config.crops().localSize(),
                config.crops().localCount()));
        assertEquals(32, config.optim().batchSize());
    }

    @Test
    void costsAbout157GflopPerStepAndFivePerImage() {
        TrainingFlops f = TrainingFlops.of(config);

        // the model, per image: 3 x student (2 x (366 + 12.3) + 6 x (91.9 + 12.3) MFLOP) + teacher 2 x (366 + 12.3)
        assertEquals(4_899_558_400L, f.modelPerImage());
        assertEquals(156_785_868_800L, f.modelPerStep());
        assertEquals(156.7e9, f.modelPerStep(), 0.1e9);
        assertEquals(4.9e9, f.modelPerImage(), 0.01e9);
        // what the step runs: the last block computes the CLS token alone, 59.7 MFLOP less per global crop forward
        // (2 teacher, 2 x 3 student) and 14.3 per local crop forward (6 x 3 student)
        assertEquals(4_899_558_400L - 8 * 59_718_144L - 18 * 14_338_560L, f.perImage());
        assertEquals(133_239_013_376L, f.perStep());
    }
}
