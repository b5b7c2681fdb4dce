package org.dino4j.train.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import org.dino4j.core.head.ProjectionHead;
import org.dino4j.train.config.ConfigLoader;
import org.dino4j.train.config.HeadConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The contract every {@link ProjectionHead} made by a {@link ProjectionHeadProvider} must pass, built-in or
 * user-written: extend this class and return your provider. The tests check that it is registered under a
 * snake_case name, maps [rows, inDim] to finite [rows, out_dim] logits, sends a gradient to every trainable
 * parameter, names its last layer by existing parameters, changes its state (e.g. batch-norm statistics) only in a
 * training forward, and leaves no per-step arrays in the model's manager.
 */
public abstract class ProjectionHeadContract {

    private static final long IN_DIM = 12;
    private static final int ROWS = 6;

    /** The provider under test. */
    protected abstract ProjectionHeadProvider provider();

    /**
     * The {@code model.head} section the head is made from; by default the defaults with a small width
     * (out_dim 20, hidden 16, bottleneck 8) and {@code type} set to the provider's name.
     */
    protected HeadConfig config() {
        return ConfigLoader.load((Path) null, List.of("model.head.type=" + provider().name(),
                "model.head.out_dim=20", "model.head.hidden_dim=16", "model.head.bottleneck_dim=8")).model().head();
    }

    private ProjectionHead head(NDManager m) {
        ProjectionHead head = provider().create(config(), IN_DIM);
        head.block().initializeWeights(m, 3);
        return head;
    }

    @Test
    void isRegisteredUnderItsName() {
        assertTrue(ProjectionHeadProvider.registry().names().contains(provider().name()), provider().name()
                + " must be listed in META-INF/services/" + ProjectionHeadProvider.class.getName());
        assertTrue(provider().name().matches("[a-z][a-z0-9_]*"), "names are snake_case: " + provider().name());
    }

    @Test
    void mapsFeaturesToFiniteLogitsOfTheConfiguredWidth() {
        try (NDManager m = NDManager.newBaseManager()) {
            ProjectionHead head = head(m);
            assertEquals(IN_DIM, head.inDim());
            assertEquals(config().outDim(), head.outDim());
            for (boolean training : new boolean[] {true, false}) {
                try (NDManager step = m.newSubManager()) {
                    NDArray y = head.forward(step.randomNormal(new Shape(ROWS, IN_DIM)), training);
                    assertEquals(new Shape(ROWS, config().outDim()), y.getShape());
                    assertFalse(y.isNaN().any().getBoolean() || y.isInfinite().any().getBoolean(), "finite");
                }
            }
        }
    }

    @Test
    void everyTrainableParameterReceivesAGradient() {
        try (NDManager m = NDManager.newBaseManager()) {
            ProjectionHead head = head(m);
            try (NDManager step = m.newSubManager();
                 GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = head.forward(step.randomNormal(new Shape(ROWS, IN_DIM)), true);
                gc.backward(y.mul(step.randomNormal(y.getShape())).sum());
                for (Map.Entry<String, Parameter> e : head.block().trainableParameters().entrySet()) {
                    NDArray g = e.getValue().getArray().getGradient();
                    g.attach(step);
                    assertTrue(g.abs().sum().getFloat() > 0, "no gradient for " + e.getKey());
                }
            }
        }
    }

    @Test
    void theLastLayerIsNamedByItsParameters() {
        ProjectionHead head = provider().create(config(), IN_DIM);
        assertFalse(head.lastLayerParameterNames().isEmpty(), "freeze_last_layer needs the last layer's names");
        assertTrue(head.block().stateDict().keySet().containsAll(head.lastLayerParameterNames()),
                head.lastLayerParameterNames() + " must be names of " + head.block().stateDict().keySet());
    }

    @Test
    void onlyATrainingForwardChangesState() {
        try (NDManager m = NDManager.newBaseManager()) {
            ProjectionHead head = head(m);
            Map<String, float[]> before = snapshot(head);
            try (NDManager step = m.newSubManager()) {
                NDArray x = step.randomNormal(new Shape(ROWS, IN_DIM));
                float[] first = head.forward(x, false).toFloatArray();
                assertArrayEquals(first, head.forward(x, false).toFloatArray(), 0f, "evaluation is repeatable");
            }
            Map<String, float[]> after = snapshot(head);
            before.forEach((k, v) -> assertArrayEquals(v, after.get(k), 0f, k + " changed in an eval forward"));
        }
    }

    @Test
    void stepsInSubManagersLeaveNothingInTheModelManager() {
        try (NDManager model = NDManager.newBaseManager()) {
            ProjectionHead head = head(model);
            int before = model.getManagedArrays().size();
            for (int i = 0; i < 3; i++) {
                try (NDManager step = model.newSubManager();
                     GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(head.forward(step.randomNormal(new Shape(ROWS, IN_DIM)), true).sum());
                    head.forward(step.randomNormal(new Shape(ROWS, IN_DIM)), false);
                    for (Parameter p : head.block().trainableParameters().values()) {
                        p.getArray().getGradient().attach(step);
                    }
                }
            }
            assertEquals(before, model.getManagedArrays().size(), "no per-step arrays in the model manager");
        }
    }

    private static Map<String, float[]> snapshot(ProjectionHead head) {
        Map<String, float[]> out = new LinkedHashMap<>();
        head.block().stateDict().forEach((k, p) -> out.put(k, p.getArray().toType(
                ai.djl.ndarray.types.DataType.FLOAT32, true).toFloatArray()));
        return out;
    }
}
