package org.dino4j.core.head;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DinoHeadContractTest {

    private static DinoHead.Builder tiny() {
        return DinoHead.builder().setInDim(12).setOutDim(20).optHiddenDim(16).optBottleneckDim(8);
    }

    @Test
    void outputShapeAndFiniteValues() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (DinoHead head : List.of(tiny().build(), tiny().optUseBatchNorm(true).build(),
                    tiny().optNumLayers(1).build())) {
                head.initializeWeights(m, 1);
                try (NDManager step = m.newSubManager()) {
                    NDArray y = head.forward(step.randomNormal(new Shape(6, 12)));
                    assertEquals(new Shape(6, 20), y.getShape(), head.toString());
                    assertFalse(y.isNaN().any().getBoolean(), "no NaN");
                    // norm_last_layer with g = 1: every logit is a cosine
                    assertTrue(y.abs().max().getFloat() <= 1.0001f);
                }
                assertEquals(20, head.outDim());
                assertEquals(12, head.inDim());
                assertSame(head, head.block());
            }
        }
    }

    @Test
    void officialNamesAndOrder() {
        assertEquals(List.of("mlp.0.weight", "mlp.0.bias", "mlp.2.weight", "mlp.2.bias", "mlp.4.weight",
                        "mlp.4.bias", "last_layer.weight_g", "last_layer.weight_v"),
                List.copyOf(tiny().build().stateDict().keySet()));
        assertEquals(List.of("mlp.0.weight", "mlp.0.bias", "mlp.1.weight", "mlp.1.bias", "mlp.1.running_mean",
                        "mlp.1.running_var", "mlp.1.num_batches_tracked", "mlp.3.weight", "mlp.3.bias",
                        "mlp.4.weight", "mlp.4.bias", "mlp.4.running_mean", "mlp.4.running_var",
                        "mlp.4.num_batches_tracked", "mlp.6.weight", "mlp.6.bias", "last_layer.weight_g",
                        "last_layer.weight_v"),
                List.copyOf(tiny().optUseBatchNorm(true).build().stateDict().keySet()));
        DinoHead bn = tiny().optUseBatchNorm(true).build();
        assertEquals(Set.of("mlp.1.running_mean", "mlp.1.running_var", "mlp.1.num_batches_tracked",
                "mlp.4.running_mean", "mlp.4.running_var", "mlp.4.num_batches_tracked"), bn.buffers().keySet());
        assertEquals(List.of("mlp.weight", "mlp.bias", "last_layer.weight_g", "last_layer.weight_v"),
                List.copyOf(tiny().optNumLayers(1).build().stateDict().keySet()));
        assertEquals(List.of("mlp.0.weight", "mlp.0.bias", "mlp.2.weight", "mlp.2.bias", "last_layer.weight_g",
                        "last_layer.weight_v"),
                List.copyOf(tiny().optNumLayers(2).build().stateDict().keySet()));
        assertEquals(List.of("last_layer.weight_g", "last_layer.weight_v"),
                List.copyOf(tiny().build().lastLayerParameterNames()));
    }

    @Test
    void officialInitialisation() {
        try (NDManager m = NDManager.newBaseManager()) {
            DinoHead head = DinoHead.builder().setInDim(64).setOutDim(50).optHiddenDim(128).optBottleneckDim(32)
                    .optUseBatchNorm(true).build();
            head.initializeWeights(m, 5);
            Map<String, Parameter> sd = head.stateDict();
            for (String bias : List.of("mlp.0.bias", "mlp.3.bias", "mlp.6.bias", "mlp.1.bias", "mlp.1.running_mean")) {
                assertEquals(0f, sd.get(bias).getArray().abs().sum().getFloat(), bias);
            }
            for (String one : List.of("mlp.1.weight", "mlp.1.running_var", "last_layer.weight_g")) {
                assertEquals(1f, sd.get(one).getArray().min().getFloat(), one);
                assertEquals(1f, sd.get(one).getArray().max().getFloat(), one);
            }
            NDArray w = sd.get("mlp.3.weight").getArray();
            double std = Math.sqrt(w.square().mean().getFloat());
            assertEquals(0.02, std, 0.002, "trunc normal std 0.02");
            NDArray v = sd.get("last_layer.weight_v").getArray();
            double bound = 1 / Math.sqrt(32);
            assertTrue(v.abs().max().getFloat() <= bound, "PyTorch default init U(+-1/sqrt(bottleneck))");
            assertTrue(v.abs().max().getFloat() > 0.8 * bound, "a uniform, not a small normal");
        }
    }

    @Test
    void everyTrainableParameterReceivesAGradient() {
        for (Supplier<DinoHead> variant : List.<Supplier<DinoHead>>of(() -> tiny().build(),
                () -> tiny().optUseBatchNorm(true).build(), () -> tiny().optNormLastLayer(false).build(),
                () -> tiny().optNumLayers(1).build())) {
            DinoHead head = variant.get();
            try (NDManager m = NDManager.newBaseManager()) {
                head.initializeWeights(m, 2);
                try (NDManager step = m.newSubManager();
                     GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray y = head.forward(step.randomNormal(new Shape(5, 12)));
                    gc.backward(y.mul(step.randomNormal(y.getShape())).sum());
                    for (Map.Entry<String, Parameter> e : head.trainableParameters().entrySet()) {
                        NDArray g = e.getValue().getArray().getGradient();
                        g.attach(step);
                        assertTrue(g.abs().sum().getFloat() > 0, head + ": no gradient for " + e.getKey());
                    }
                    Parameter weightG = head.stateDict().get("last_layer.weight_g");
                    assertEquals(!head.normLastLayer(), weightG.requiresGradient(), head.toString());
                    assertEquals(!head.normLastLayer(), weightG.getArray().hasGradient(), head.toString());
                    for (Parameter buffer : head.buffers().values()) {
                        assertFalse(buffer.getArray().hasGradient());
                    }
                }
            }
        }
    }

    @Test
    void stepsInSubManagersLeaveNothingInTheModelManager() {
        try (NDManager model = NDManager.newBaseManager()) {
            DinoHead head = tiny().optUseBatchNorm(true).build();
            head.initializeWeights(model, 3);
            int before = model.getManagedArrays().size();
            for (int i = 0; i < 3; i++) {
                try (NDManager step = model.newSubManager();
                     GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray y = head.forward(step.randomNormal(new Shape(4, 12)), true);
                    gc.backward(y.sum());
                    head.forward(step.randomNormal(new Shape(4, 12)), false);
                    for (Parameter p : head.trainableParameters().values()) {
                        p.getArray().getGradient().attach(step);
                    }
                }
            }
            assertEquals(before, model.getManagedArrays().size(), "no per-step arrays in the model manager");
            assertEquals(3f, head.stateDict().get("mlp.1.num_batches_tracked").getArray().getFloat());
        }
    }

    @Test
    void builderValidation() {
        assertEquals("inDim must be set to the backbone's embedding size (a positive number), got 0",
                assertThrows(IllegalArgumentException.class,
                        () -> DinoHead.builder().setOutDim(10).build()).getMessage());
        assertEquals("outDim must be set to the number of prototypes K (a positive number), got 0",
                assertThrows(IllegalArgumentException.class,
                        () -> DinoHead.builder().setInDim(10).build()).getMessage());
        assertEquals("hiddenDim must be positive, got -1",
                assertThrows(IllegalArgumentException.class, () -> tiny().optHiddenDim(-1).build()).getMessage());
        assertEquals("bottleneckDim must be positive, got 0",
                assertThrows(IllegalArgumentException.class, () -> tiny().optBottleneckDim(0).build()).getMessage());
        assertEquals("numLayers must be >= 1 (1 = a single Linear from inDim to bottleneckDim), got 0",
                assertThrows(IllegalArgumentException.class, () -> tiny().optNumLayers(0).build()).getMessage());
        DinoHead head = tiny().build();
        assertEquals(2048, DinoHead.builder().setInDim(1).setOutDim(1).build().hiddenDim());
        assertEquals(256, DinoHead.builder().setInDim(1).setOutDim(1).build().bottleneckDim());
        assertEquals(3, DinoHead.builder().setInDim(1).setOutDim(1).build().numLayers());
        assertTrue(DinoHead.builder().setInDim(1).setOutDim(1).build().normLastLayer());
        assertFalse(DinoHead.builder().setInDim(1).setOutDim(1).build().useBatchNorm());
        try (NDManager m = NDManager.newBaseManager()) {
            head.initializeWeights(m, 0);
            assertEquals("DinoHead expects [rows, 12] inputs (inDim = the backbone's embedding size), got (3, 10)",
                    assertThrows(IllegalArgumentException.class,
                            () -> head.forward(m.zeros(new Shape(3, 10)))).getMessage());
        }
    }
}
