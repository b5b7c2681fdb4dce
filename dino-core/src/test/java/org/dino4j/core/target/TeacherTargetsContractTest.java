package org.dino4j.core.target;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * What every {@link TeacherTargets} must do: keep the input's shape, give rows that are distributions without NaN
 * and without gradient history, leave state alone in {@code probabilities}, and put nothing into long-lived
 * managers while computing targets in a step scope.
 */
class TeacherTargetsContractTest {

    private static Function<NDManager, TeacherTargets> implementation(String name) {
        return switch (name) {
            case "centering" -> owner -> new CenteringSharpening(owner, 8);
            case "sinkhorn" -> owner -> new SinkhornKnopp();
            default -> throw new IllegalArgumentException(name);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"centering", "sinkhorn"})
    void shapesDistributionsNoGradientNoHiddenState(String name) {
        try (NDManager owner = NDManager.newBaseManager()) {
            TeacherTargets targets = implementation(name).apply(owner);
            int ownerArrays = owner.getManagedArrays().size();
            try (NDManager step = owner.newSubManager();
                 GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray t = step.randomNormal(new Shape(6, 8)).tanh();
                t.setRequiresGradient(true);
                NDArray logits = t.mul(1);
                for (Shape shape : new Shape[] {new Shape(6, 8), new Shape(1, 6, 8), new Shape(2, 3, 8)}) {
                    NDArray q = targets.probabilities(logits.reshape(shape), 0.04);
                    assertEquals(shape, q.getShape(), name);
                    assertFalse(q.hasGradient(), name + ": targets are constants for the student");
                    assertFalse(q.isNaN().any().getBoolean() || q.isInfinite().any().getBoolean(), name);
                    for (float s : q.reshape(-1, 8).sum(new int[] {1}).toFloatArray()) {
                        assertEquals(1f, s, 1e-5f, name + ": each row is a distribution");
                    }
                }
                float[] first = targets.probabilities(logits, 0.04).toFloatArray();
                assertArrayEquals(first, targets.probabilities(logits, 0.04).toFloatArray(), 0f,
                        name + ": probabilities() changes no state");
                targets.update(logits);
            }
            assertEquals(ownerArrays, owner.getManagedArrays().size(), name + ": nothing leaks into the owner");
        }
    }
}
