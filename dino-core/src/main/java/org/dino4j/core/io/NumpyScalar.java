package org.dino4j.core.io;

import java.util.Objects;

/**
 * A numpy scalar read from a pickle, such as the {@code numpy.float64} learning rate the official DINO training
 * loop writes into its optimizer's parameter groups.
 *
 * @param dtype the numpy dtype string, e.g. {@code float64}, {@code int64}
 * @param value the value ({@code Double} for float types, {@code Long} for integer types, {@code Boolean})
 */
public record NumpyScalar(String dtype, Object value) {

    /** Checks that both parts are present. */
    public NumpyScalar {
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(value, "value");
    }

    /** The value as a double (booleans as 0/1). */
    public double doubleValue() {
        if (value instanceof Boolean b) {
            return b ? 1 : 0;
        }
        return ((Number) value).doubleValue();
    }
}
