package org.dino4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.engine.Engine;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DinoBlockTest {

    @Test
    void aliasKeepsStepResultsOutOfTheModelManagerAndGradientsFlow() {
        try (NDManager model = NDManager.newBaseManager()) {
            Linear lin = new Linear(4, 3, true, Init.truncNormal(0.02));
            lin.initializeWeights(model, 1);
            int before = model.getManagedArrays().size();
            for (int step = 0; step < 3; step++) {
                try (NDManager scope = model.newSubManager();
                     GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray x = scope.ones(new Shape(2, 4));
                    NDArray w = DinoBlock.alias(lin.weight().getArray(), scope);
                    NDArray y = w.sum().add(lin.forward(x).sum());
                    gc.backward(y);
                    // getGradient() returns a new handle attached to the parameter's manager: scope it too.
                    NDArray grad = lin.weight().getArray().getGradient();
                    grad.attach(scope);
                    assertNotNull(grad);
                }
            }
            assertEquals(before, model.getManagedArrays().size(), "no per-step arrays leak into the model manager");
            // gradient of sum(W) + sum(xW^T+b) w.r.t. W with x = ones(2,4) is 1 + 2 everywhere; PyTorch accumulates
            // gradients over the three steps (DJL's collector does not zero them), so 9.
            float[] g;
            try (NDArray grad = lin.weight().getArray().getGradient()) {
                g = grad.toFloatArray();
            }
            for (float v : g) {
                assertEquals(9f, v, 1e-6f);
            }
        }
    }

    @Test
    void seededInitIsReproducibleAndNamed() {
        try (NDManager m = NDManager.newBaseManager()) {
            Linear a = new Linear(8, 8, true, Init.truncNormal(0.02));
            Linear b = new Linear(8, 8, true, Init.truncNormal(0.02));
            a.initializeWeights(m, 7);
            b.initializeWeights(m, 7);
            assertTrue(a.weight().getArray().contentEquals(b.weight().getArray()));
            assertEquals(0f, a.bias().getArray().abs().sum().getFloat());
            assertEquals(java.util.List.of("weight", "bias"), java.util.List.copyOf(a.stateDict().keySet()));
        }
    }

    @Test
    void loadStateDictNamesWhatIsWrong() {
        try (NDManager m = NDManager.newBaseManager()) {
            Linear a = new Linear(2, 3, true, Init.truncNormal(0.02));
            a.initializeWeights(m, 0);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> a.loadStateDict(Map.of("weight", m.zeros(new Shape(3, 3)), "extra", m.zeros(new Shape(1))), true));
            assertEquals("state dict does not match Linear; missing: [bias]; wrong shape: [weight (expected (3, 2), got (3, 3))]; unexpected: [extra]",
                    e.getMessage());
        }
    }

    @Test
    void djlSaveAndLoadParametersRoundTrip() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Linear a = new Linear(4, 3, true, Init.truncNormal(0.02));
            a.initializeWeights(m, 3);
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            a.saveParameters(new java.io.DataOutputStream(bytes));
            Linear b = new Linear(4, 3, true, Init.truncNormal(0.02));
            b.initializeWeights(m, 4);
            b.loadParameters(m, new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray())));
            assertTrue(a.weight().getArray().contentEquals(b.weight().getArray()));
            assertTrue(a.bias().getArray().contentEquals(b.bias().getArray()));
        }
    }
}
