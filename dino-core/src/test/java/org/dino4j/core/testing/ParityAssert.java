package org.dino4j.core.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import org.dino4j.core.io.TensorManifest;
import org.dino4j.core.io.Tolerance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Map;
import java.util.function.IntPredicate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Element-wise comparison against a fixture tensor at the tolerance its manifest states, and of two models' parameters.
 */
public final class ParityAssert {

    private ParityAssert() {}

    /** Asserts {@code actual} matches {@code expectedName} of {@code fixture} at the manifest tolerance. */
    public static void assertMatches(TensorManifest fixture, String expectedName, NDArray actual) {
        assertMatches(fixture, expectedName, actual, i -> false);
    }

    /**
     * Asserts {@code actual} matches {@code expectedName}, skipping the flat indices for which {@code skip} is true.
     */
    public static void assertMatches(TensorManifest fixture, String expectedName, NDArray actual, IntPredicate skip) {
        assertArrayEquals(fixture.entry(expectedName).shape(), actual.getShape().getShape(),
                "shape of " + expectedName);
        double[] a = toDoubles(actual);
        double[] e;
        try {
            e = fixture.doubles(expectedName);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        assertMatches(fixture.tolerance(expectedName), expectedName, a, e, skip);
    }

    /** Asserts two arrays of values are close under {@code tol}. */
    public static void assertMatches(Tolerance tol, String what, double[] actual, double[] expected,
                                     IntPredicate skip) {
        if (actual.length != expected.length) {
            fail(what + ": " + actual.length + " values, expected " + expected.length);
        }
        int bad = 0;
        int worst = -1;
        double worstExcess = -1;
        for (int i = 0; i < actual.length; i++) {
            if (skip.test(i)) {
                continue;
            }
            if (!tol.accepts(actual[i], expected[i])) {
                bad++;
                double excess = Math.abs(actual[i] - expected[i]) - (tol.atol() + tol.rtol() * Math.abs(expected[i]));
                if (Double.isNaN(excess) || excess > worstExcess) {
                    worstExcess = Double.isNaN(excess) ? Double.POSITIVE_INFINITY : excess;
                    worst = i;
                }
            }
        }
        if (bad > 0) {
            fail(String.format("%s: %d of %d elements outside atol %.1e rtol %.1e; worst at %d: actual %.9g expected %.9g",
                    what, bad, actual.length, tol.atol(), tol.rtol(), worst, actual[worst], expected[worst]));
        }
    }

    /** An array's values as doubles (on the host). */
    public static double[] toDoubles(NDArray a) {
        if (a.getDataType() == DataType.FLOAT64) {
            return a.toDoubleArray();
        }
        float[] f = a.toType(DataType.FLOAT32, false).toFloatArray();
        double[] out = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            out[i] = f[i];
        }
        return out;
    }

    /** Convenience for scalar checks. */
    public static void assertScalar(Tolerance tol, String what, double actual, double expected) {
        assertMatches(tol, what, new double[] {actual}, new double[] {expected}, i -> false);
    }

    /**
     * Asserts two models' parameters agree, name by name: every element within {@code tolerance * max(1, |e|)} of
     * the expected element e (for two ways of running the same training steps, which differ only by rounding).
     */
    public static void assertParametersClose(Map<String, Parameter> expected, Map<String, Parameter> actual,
                                             float tolerance) {
        assertEquals(expected.keySet(), actual.keySet(), "parameter names");
        for (String name : expected.keySet()) {
            float[] e = expected.get(name).getArray().toFloatArray();
            float[] a = actual.get(name).getArray().toFloatArray();
            for (int i = 0; i < e.length; i++) {
                assertEquals(e[i], a[i], tolerance * Math.max(1f, Math.abs(e[i])), name + " at " + i);
            }
        }
    }

    /** For messages. */
    public static String shape(long[] s) {
        return Arrays.toString(s);
    }
}
