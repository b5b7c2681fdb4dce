package org.dino4j.train.objective;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract every {@link LossTerm} must pass, built-in or user-written: extend this class, return your provider,
 * and the tests check that the term is registered under its name, returns a finite scalar, sends a gradient to the
 * student's features or logits, changes no state in {@code compute} (two calls agree) and leaves no arrays behind.
 */
public abstract class LossTermContract {

    /** The provider under test. */
    protected abstract LossTermProvider provider();

    private static final int B = 6;
    private static final int CROPS = 4;
    private static final int D = 16;
    private static final int K = 32;

    private static NDArray random(NDManager m, long seed, long... shape) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] d = new float[(int) new Shape(shape).size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = (float) r.nextGaussian();
        }
        return m.create(d, new Shape(shape));
    }

    private static StepOutputs outputs(NDManager m) {
        NDArray cls = random(m, 1, CROPS * B, D);
        NDArray logits = random(m, 2, CROPS * B, K);
        cls.setRequiresGradient(true);
        logits.setRequiresGradient(true);
        NDArray teacher = random(m, 3, 2 * B, K);
        return new StepOutputs(cls, logits, teacher, teacher.softmax(1), 2, B, 0, 0);
    }

    @Test
    void isRegisteredUnderItsName() {
        assertTrue(LossTermProvider.registry().names().contains(provider().name()),
                provider().name() + " must be listed in META-INF/services/" + LossTermProvider.class.getName());
        assertTrue(provider().name().matches("[a-z][a-z0-9_]*"), "names are snake_case: " + provider().name());
    }

    @Test
    void finiteScalarWithGradientAndNoStateChange() {
        try (NDManager m = NDManager.newBaseManager()) {
            LossTerm term = provider().create(D, K);
            StepOutputs o = outputs(m);
            float first;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray v = term.compute(o);
                assertEquals(new Shape(), v.getShape(), "a scalar");
                first = v.getFloat();
                assertTrue(Float.isFinite(first), "finite: " + first);
                gc.backward(v);
            }
            float gradMass = o.studentCls().getGradient().abs().sum().getFloat()
                    + o.studentLogits().getGradient().abs().sum().getFloat();
            assertTrue(gradMass > 0, "the term must send a gradient to the student's features or logits");
            assertEquals(first, term.compute(o).getFloat(), 0f, "compute changes no state");
        }
    }

    @Test
    void leavesNoArraysOutsideTheStepScope() {
        try (NDManager root = NDManager.newBaseManager()) {
            LossTerm term = provider().create(D, K);
            int before = root.getManagedArrays().size();
            for (int i = 0; i < 3; i++) {
                try (NDManager scope = root.newSubManager()) {
                    StepOutputs o = outputs(scope);
                    term.compute(o);
                    term.afterStep(o);
                }
            }
            assertEquals(before, root.getManagedArrays().size());
        }
    }
}
