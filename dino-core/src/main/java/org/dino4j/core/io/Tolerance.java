package org.dino4j.core.io;

/**
 * An element-wise closeness test |actual - expected| <= atol + rtol * |expected|, as the parity fixtures state it.
 *
 * @param atol absolute tolerance
 * @param rtol relative tolerance
 */
public record Tolerance(double atol, double rtol) {

    /** Whether {@code actual} is close enough to {@code expected}. */
    public boolean accepts(double actual, double expected) {
        if (Double.isNaN(actual) || Double.isNaN(expected)) {
            return false;
        }
        return Math.abs(actual - expected) <= atol + rtol * Math.abs(expected);
    }
}
